import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import {
  DECLINE,
  auditRows,
  deadPid,
  finished,
  isAlive,
  phaseRows,
  plan,
  routedLlm,
  start,
  states,
  status,
  step,
  stubbornPlugin,
  taskRows,
  until,
  writeDb,
} from './support.js';

const open: Harness[] = [];
let dir: string | undefined;

/** A harness on the shared state file of this test; closed in reverse order afterwards. */
async function boot(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  dir ??= mkdtempSync(join(tmpdir(), 'orchestrate-restart-'));
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

const INTERRUPTED_BY_STOP =
  'Interrupted: the server stopped while this step was running; not re-run automatically because it may have had side effects.';

describe('restart', () => {
  it('shows a finished task exactly as it was, with every step outcome, after a restart', async () => {
    const first = await boot({ llm: routedLlm({}, { repair: DECLINE }) });
    const planned = await start(first, 'mixed bag', [
      { description: 'Write notes', action: 'plan', output: 'the notes' },
      { description: 'Fail loudly', action: 'shell', command: 'echo broken >&2; exit 7' },
      { description: 'After the failure', action: 'plan', output: 'never', depends_on: [1] },
      { description: 'Echo', action: 'execute', command: 'echo from before the restart', depends_on: [0] },
    ]);
    const before = await finished(first, planned.taskId);
    expect(before.phase).toBe('failed');
    expect(states(before)).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped', s4: 'completed' });
    const rows = phaseRows(first.db, planned.taskId);
    const audit = auditRows(first.db, planned.taskId);
    await shutDown(first);

    const second = await boot();
    const after = await status(second, planned.taskId);
    // `version` is a per-process change counter for long-polling, not part of the task's record.
    const { version: _v1, ...afterRecord } = after as typeof after & { version?: number };
    const { version: _v2, ...beforeRecord } = before as typeof before & { version?: number };
    expect(afterRecord).toEqual(beforeRecord);
    expect(step(after, 's2').error).toBe('Shell command failed (exit 7): echo broken >&2; exit 7\nstderr: broken');
    expect(step(after, 's3').reason).toBe('dependency s2 failed');
    expect(step(after, 's4').outputs).toMatchObject({ stdout: 'from before the restart\n', exitCode: 0 });
    expect(after.summaryText).toContain('─── Result ───\nfrom before the restart');
    expect(phaseRows(second.db, planned.taskId)).toEqual(rows);
    expect(auditRows(second.db, planned.taskId)).toEqual(audit);
    const list = await second.ok<{ tasks: Array<{ id: string; phase: string }> }>('status', {});
    expect(list.tasks).toEqual([expect.objectContaining({ id: planned.taskId, phase: 'failed', stepCount: 4 })]);
  });

  it('keeps a plan awaiting approval across a restart; the new process approves and runs it', async () => {
    const first = await boot();
    const planned = await plan(first, 'later', [
      { description: 'Say it', action: 'shell', command: 'echo approved after restart' },
      { description: 'Note it', action: 'plan', output: 'noted', depends_on: [0] },
    ]);
    await shutDown(first);

    const second = await boot();
    const pending = await status(second, planned.taskId);
    expect(pending.phase).toBe('awaiting_approval');
    expect(pending.planHash).toBe(planned.planHash);
    await second.ok('approve', { planHash: planned.planHash });
    const task = await finished(second, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.stdout).toBe('approved after restart\n');
    expect(phaseRows(second.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
  });

  it('fails the in-flight step as interrupted and skips the rest when the server shuts down mid-step', async () => {
    const first = await boot();
    const pidfile = join(first.dir, 'nap.pid');
    const planned = await start(first, 'long nap', [
      { description: 'Nap', action: 'shell', command: `echo $$ > ${pidfile}; exec sleep 3600` },
      { description: 'Wake up', action: 'plan', output: 'awake', depends_on: [0] },
    ]);
    await until(first, planned.taskId, (t) => step(t, 's1').state === 'running');
    await expect.poll(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '').toBe(true);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    await shutDown(first);
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);

    const second = await boot();
    const task = await status(second, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({
      state: 'failed',
      error:
        'Interrupted: the server shut down while this step was running; not re-run automatically because it may have had side effects.',
    });
    expect(step(task, 's2')).toMatchObject({ state: 'skipped', reason: 'the server stopped before this step ran' });
    expect(phaseRows(second.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
  });
});

describe('recovery of tasks whose executing process died', () => {
  it('leaves a live owner alone, then settles the task once its owner is a dead process', async () => {
    const owner = await boot();
    const pidfile = join(owner.dir, 'sleep.pid');
    const planned = await start(owner, 'crash mid-step', [
      { description: 'Sleep an hour', action: 'shell', command: `echo $$ > ${pidfile}; exec sleep 3600` },
      { description: 'Then report', action: 'plan', output: 'report', depends_on: [0] },
      { description: 'Then notify', action: 'notify', message: 'done', depends_on: [1] },
    ]);
    await until(owner, planned.taskId, (t) => step(t, 's1').state === 'running');

    // A second process on the same file: the owner is alive and beating, so nothing is taken over.
    const bystander = await boot();
    const untouched = await status(bystander, planned.taskId);
    expect(untouched.phase).toBe('executing');
    expect(states(untouched)).toEqual({ s1: 'running', s2: 'pending', s3: 'pending' });

    // The owner "dies": its row now names a process that no longer exists on this host.
    expect(writeDb(owner.db, 'UPDATE tasks SET owner = ? WHERE id = ?', `${hostname()}:${deadPid()}:crashed`, planned.taskId)).toBe(1);
    const survivor = await boot();
    const task = await status(survivor, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'failed', error: INTERRUPTED_BY_STOP });
    expect(step(task, 's2')).toMatchObject({ state: 'skipped', reason: 'the server stopped before this step ran' });
    expect(step(task, 's3')).toMatchObject({ state: 'skipped', reason: 'the server stopped before this step ran' });
    expect(task.completedAt).toEqual(expect.any(String));
    expect(task.summaryText.split('\n')[0]).toBe('Failed: "crash mid-step" — 0/3 succeeded, 1 failed, 2 skipped');
    expect(phaseRows(survivor.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
    expect(taskRows(survivor.db)).toEqual([expect.objectContaining({ id: planned.taskId, phase: 'failed', owner: null })]);
  });

  it.each([
    { what: 'silent for over 30 s on another host', ownerId: 'elsewhere:4242:gone', beat: '2000-01-01T00:00:00.000Z', recovered: true },
    { what: 'beating recently on another host', ownerId: 'elsewhere:4242:busy', beat: 'now', recovered: false },
  ])('recovers a task whose owner is $what: $recovered', async ({ ownerId, beat, recovered }) => {
    const stubborn = stubbornPlugin();
    const owner = await boot({ plugins: [stubborn.plugin] });
    const planned = await start(owner, 'remote owner', [{ description: 'Hang', action: 'stubborn' }]);
    await until(owner, planned.taskId, (t) => step(t, 's1').state === 'running');
    const at = beat === 'now' ? new Date().toISOString() : beat;
    expect(writeDb(owner.db, 'UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ?', ownerId, at, planned.taskId)).toBe(1);

    const other = await boot({ plugins: [stubborn.plugin] });
    const task = await status(other, planned.taskId);
    if (recovered) {
      expect(task.phase).toBe('failed');
      expect(step(task, 's1')).toMatchObject({ state: 'failed', error: INTERRUPTED_BY_STOP });
    } else {
      expect(task.phase).toBe('executing');
      expect(step(task, 's1').state).toBe('running');
    }
    stubborn.release();
  });
});
