/**
 * Resume (product §8): an unfinished task whose server stopped continues on the next server that
 * opens its database. Completed steps stay completed; pending ones run; an in-flight step runs again
 * by itself only when its action is safe to repeat, and otherwise waits for retry, done or fail.
 * Here the first server stops in order (its steps are aborted and it writes nothing more); the
 * real bin is SIGKILLed in test/e2e/resume.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import {
  DECLINE,
  deadPid,
  isAlive,
  phaseRows,
  routedLlm,
  start,
  states,
  status,
  step,
  stubbornPlugin,
  taskRows,
  until,
  writeDb,
  type TaskViewT,
} from './support.js';

const open: Harness[] = [];
let dir: string | undefined;

async function boot(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  dir ??= mkdtempSync(join(tmpdir(), 'orchestrate-resume-'));
  const harness = await startHarness({ ...options, db: join(dir, 'state.db'), workdir: dir });
  open.push(harness);
  return harness;
}

async function shutDown(harness: Harness): Promise<void> {
  open.splice(open.indexOf(harness), 1);
  await harness.close();
}

afterEach(async () => {
  for (const harness of open.splice(0).reverse()) await harness.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * A task whose first step appends a marker and then sleeps for an hour, unless `ok` exists (then it
 * finishes at once); a second step depends on it. Returns once the first server runs the sleep.
 */
async function interruptedShellTask(): Promise<{ taskId: string; marks: string; pid: number }> {
  const first = await boot();
  const marks = join(first.dir, 'marks.txt');
  const pidfile = join(first.dir, 'nap.pid');
  const ok = join(first.dir, 'ok');
  const planned = await start(first, 'mark, then nap', [
    {
      description: 'Mark and nap',
      action: 'shell',
      command: `echo mark >> '${marks}'; if [ -f '${ok}' ]; then echo awake; else echo $$ > '${pidfile}'; exec sleep 3600; fi`,
    },
    { description: 'Write it up', action: 'plan', output: 'written up', depends_on: [0] },
  ]);
  await until(first, planned.taskId, (t) => step(t, 's1').state === 'running');
  await expect.poll(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '').toBe(true);
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  await shutDown(first);
  writeFileSync(ok, '');
  return { taskId: planned.taskId, marks, pid };
}

describe('resume after a stop', () => {
  it('leaves the task unfinished on shutdown; the next server asks about the side-effecting step, and retry runs it again, then the rest', async () => {
    const { taskId, marks, pid } = await interruptedShellTask();
    // The stopping server aborted the step (its process is gone) and settled nothing.
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);
    expect(lines(marks)).toEqual(['mark']);

    const second = await boot();
    const waiting = await until(second, taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    expect(waiting.phase).toBe('executing');
    expect(step(waiting, 's1').reason).toBe('interrupted');
    expect(step(waiting, 's2').state).toBe('pending');
    expect(waiting.awaiting).toEqual([
      expect.objectContaining({
        kind: 'step_interrupted',
        stepId: 's1',
        choices: ['retry', 'done', 'fail'],
        hint: expect.stringContaining('decision'),
      }),
    ]);
    expect(waiting.summaryText).toContain('s1 interrupted: retry, done or fail?');
    // Nothing ran again without a word.
    expect(lines(marks)).toEqual(['mark']);
    // An answer for a confirmation is not an answer for an interrupted step.
    expect(errorCode(await second.call('approve', { taskId, stepId: 's1', decision: 'approve' }))).toBe('INVALID_ARGUMENT');

    await second.ok('approve', { taskId, stepId: 's1', decision: 'retry' });
    const { task } = await second.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'completed' });
    expect(step(task, 's1').outputs?.stdout).toBe('awake\n');
    expect(step(task, 's1').attempt).toBe(2);
    expect(lines(marks)).toEqual(['mark', 'mark']);
    // One executing entry: resuming continues the phase the task was in.
    expect(phaseRows(second.db, taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);

    const trail = await second.app.engine.audit(taskId);
    expect(trail.attempts.filter((a) => a.stepId === 's1').map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'interrupted'],
      [2, 'completed'],
    ]);
    const decisions = trail.entries
      .filter((e) => e.kind === 'resume_decision')
      .map((e) => [e.actor, e.stepId ?? null, e.details?.['decision'] ?? null]);
    expect(decisions).toEqual([
      ['system', 's1', 'ask'],
      ['system', null, null],
      ['model', 's1', 'retry'],
    ]);
    expect(trail.chain.intact).toBe(true);
    expect(taskRows(second.db)).toEqual([expect.objectContaining({ id: taskId, phase: 'completed', owner: null })]);
  });

  it('"done" counts the interrupted step as completed without running it again; its dependents run', async () => {
    const { taskId, marks } = await interruptedShellTask();
    const second = await boot();
    await until(second, taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    await second.ok('approve', { taskId, stepId: 's1', decision: 'done', comment: 'checked: the mark is there' });
    const { task } = await second.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').state).toBe('completed');
    expect(step(task, 's1').summary).toMatch(/^Marked done by the model after the server stopped while it ran/);
    expect(step(task, 's2').state).toBe('completed');
    expect(lines(marks)).toEqual(['mark']);
    const { entries } = await second.app.engine.audit(taskId);
    expect(entries).toContainEqual(
      expect.objectContaining({ kind: 'resume_decision', stepId: 's1', actor: 'model', comment: 'checked: the mark is there' }),
    );
  });

  it('"fail" fails the interrupted step like any failure: a replan is tried, dependents are skipped, the task fails', async () => {
    const { taskId, marks } = await interruptedShellTask();
    const llm = routedLlm({}, { repair: DECLINE });
    const second = await boot({ llm });
    await until(second, taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    await second.ok('approve', { taskId, stepId: 's1', decision: 'fail' });
    const { task } = await second.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'failed', error: expect.stringMatching(/^Interrupted/) });
    expect(step(task, 's2')).toMatchObject({ state: 'skipped', reason: 'dependency s1 failed' });
    // The failure went to the replanner, as any failure does.
    expect(llm.requests.length).toBeGreaterThan(0);
    expect(lines(marks)).toEqual(['mark']);
  });

  it('re-runs an interrupted research step by itself (its effects are none) and completes the task', async () => {
    const stalled = routedLlm({}, { research: () => new Promise<string>(() => {}) });
    const first = await boot({ llm: stalled });
    const planned = await start(first, 'look it up', [
      { description: 'Find the release date', action: 'research', query: 'When was it released?' },
      { description: 'Note it', action: 'plan', output: 'noted', depends_on: [0] },
    ]);
    await until(first, planned.taskId, (t) => step(t, 's1').state === 'running');
    await shutDown(first);

    const second = await boot({ llm: routedLlm({}, { research: 'It was released in March 2021.' }) });
    const { task } = await second.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(step(task, 's1').error).toBeUndefined();
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toContain('March 2021');
    expect(step(task, 's1').attempt).toBe(2);
    const { entries } = await second.app.engine.audit(planned.taskId);
    expect(entries).toContainEqual(
      expect.objectContaining({ kind: 'resume_decision', stepId: 's1', actor: 'system', details: { effects: 'none', decision: 'rerun' } }),
    );
  });

  it('asks again for a confirmation that was waiting when the server stopped', async () => {
    const first = await boot();
    const planned = await start(first, 'careful', [
      { description: 'Drop the scratch table', action: 'shell', command: 'echo dropped', tier: 'destructive' },
    ]);
    await until(first, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    await shutDown(first);

    const second = await boot();
    const waiting = await until(second, planned.taskId, (t) => t.awaiting?.[0]?.kind === 'step_confirmation');
    expect(step(waiting, 's1').state).toBe('awaiting_confirmation');
    await second.ok('approve', { taskId: planned.taskId, stepId: 's1' });
    const { task } = await second.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.stdout).toBe('dropped\n');
  });
});

describe('adopting the task of a process that died', () => {
  /** A task whose only step hangs, left in the store as its owner left it; the owner is then stopped. */
  async function strandedTask(): Promise<string> {
    const owner = await boot({ plugins: [stubbornPlugin('stubborn', { effects: 'idempotent' }).plugin] });
    const planned = await start(owner, 'crash mid-step', [
      { description: 'Hang', action: 'stubborn' },
      { description: 'Then report', action: 'plan', output: 'report', depends_on: [0] },
    ]);
    await until(owner, planned.taskId, (t) => step(t, 's1').state === 'running');
    await shutDown(owner);
    return planned.taskId;
  }

  const quick = () => stubbornPlugin('stubborn', { effects: 'idempotent', run: async () => ({ summary: 'ran here' }) }).plugin;

  it('leaves a live owner alone; once the owner is a dead process, a running server adopts the task without a restart', async () => {
    const taskId = await strandedTask();
    // Owned by a live process on another host that beats its heart.
    expect(
      writeDb(
        join(dir as string, 'state.db'),
        'UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ?',
        'elsewhere:4242:busy',
        new Date().toISOString(),
        taskId,
      ),
    ).toBe(1);
    const survivor = await boot({ plugins: [quick()] });
    expect(await survivor.app.engine.resume()).toEqual([]);
    expect(states(await status(survivor, taskId))).toEqual({ s1: 'running', s2: 'pending' });

    // The owner dies: its row now names a process that no longer exists on this host. The
    // survivor's background check adopts the task within seconds.
    expect(writeDb(survivor.db, 'UPDATE tasks SET owner = ? WHERE id = ?', `${hostname()}:${deadPid()}:crashed`, taskId)).toBe(1);
    const { task } = await survivor.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('ran here');
    expect(step(task, 's1').attempt).toBe(2);
    expect(phaseRows(survivor.db, taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
    expect(taskRows(survivor.db)).toEqual([expect.objectContaining({ id: taskId, owner: null })]);
  });

  it.each([
    { what: 'silent for over 30 s on another host', ownerId: 'elsewhere:4242:gone', beat: '2000-01-01T00:00:00.000Z', adopted: true },
    { what: 'beating recently on another host', ownerId: 'elsewhere:4242:busy', beat: 'now', adopted: false },
  ])('adopts a task whose owner is $what: $adopted', async ({ ownerId, beat, adopted }) => {
    const taskId = await strandedTask();
    const at = beat === 'now' ? new Date().toISOString() : beat;
    expect(writeDb(join(dir as string, 'state.db'), 'UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ?', ownerId, at, taskId)).toBe(
      1,
    );

    const other = await boot({ plugins: [quick()] });
    if (adopted) {
      const { task } = await other.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
      expect(step(task, 's1').summary).toBe('ran here');
    } else {
      expect(await other.app.engine.resume()).toEqual([]);
      expect(step(await status(other, taskId), 's1').state).toBe('running');
      expect(taskRows(other.db)).toEqual([expect.objectContaining({ id: taskId, owner: ownerId })]);
    }
  });

  it('fences off a process that lost its task: once another owns it, its late results are not written', async () => {
    const stubborn = stubbornPlugin('stubborn', { effects: 'idempotent' });
    const owner = await boot({ plugins: [stubborn.plugin] });
    const planned = await start(owner, 'partitioned', [{ description: 'Hang', action: 'stubborn' }]);
    await until(owner, planned.taskId, (t) => step(t, 's1').state === 'running');
    // Another server (live, elsewhere) took the task over, taking this one for dead.
    expect(
      writeDb(
        owner.db,
        'UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ?',
        'elsewhere:4242:new',
        new Date().toISOString(),
        planned.taskId,
      ),
    ).toBe(1);
    // Within a check or two this process notices and stops its work on the task.
    await expect.poll(() => stubborn.signals[0]?.aborted, { timeout: 5_000 }).toBe(true);
    stubborn.release();
    await stubborn.settled();
    const stored = await owner.app.engine.audit(planned.taskId);
    expect(stored.entries.map((e) => e.kind)).not.toContain('step_completed');
    expect(taskRows(owner.db)).toEqual([expect.objectContaining({ id: planned.taskId, phase: 'executing', owner: 'elsewhere:4242:new' })]);
  });
});

describe('answers given to another server on the same database', () => {
  it('a step confirmation given to a server that does not run the task reaches the one that does', async () => {
    const owner = await boot();
    const planned = await start(owner, 'careful', [
      { description: 'Drop the scratch table', action: 'shell', command: 'echo dropped', tier: 'destructive' },
    ]);
    await until(owner, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');

    const other = await boot();
    // An answer of the wrong kind is refused where it is given, and nothing is left for the owner.
    expect(errorCode(await other.call('approve', { taskId: planned.taskId, stepId: 's1', decision: 'retry' }))).toBe('INVALID_ARGUMENT');
    expect(writeDb(owner.db, 'DELETE FROM step_answers')).toBe(0);
    await other.ok('approve', { taskId: planned.taskId, stepId: 's1', comment: 'go ahead' });
    const { task } = await owner.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.stdout).toBe('dropped\n');
    const { entries } = await owner.app.engine.audit(planned.taskId);
    expect(entries).toContainEqual(expect.objectContaining({ kind: 'step_confirmed', stepId: 's1', actor: 'model', comment: 'go ahead' }));
    // Nothing is left behind for anyone.
    expect(writeDb(owner.db, 'DELETE FROM step_answers')).toBe(0);
  });
});
