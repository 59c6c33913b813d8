import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';
import {
  auditRows,
  finished,
  kinds,
  phaseRows,
  routedLlm,
  start,
  states,
  status,
  step,
  taskRows,
  until,
  userText,
  watch,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A repair reply as a chat model writes it: prose, a fence, nulls, a bare index, a number for text. */
const MESSY_REPAIR =
  "Looks like `false` is never going to succeed. Let's take another route:\n\n```json\n" +
  JSON.stringify([
    { description: 'Echo instead', action_type: 'shell', command: 'echo recovered', depends_on: null, tier: null, estimated_tokens: null },
    { description: 'Write it up', action: 'plan', output: 42, depends_on: 0, tier: 'read', agent: null },
  ]) +
  '\n```\n\nThis should get you there.';

describe('replan by sampling', () => {
  it('splices corrective steps after an action failure; the task still ends failed', async () => {
    const llm = routedLlm({ repair: [MESSY_REPAIR] });
    h = await startHarness({ llm });
    const events = watch(h);
    const planned = await start(h, 'make it work', [
      { description: 'Run false', action: 'execute', command: 'false' },
      { description: 'Report', action: 'plan', output: 'report', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.replanAttempts).toBe(1);
    expect(kinds(llm)).toEqual(['repair']);
    expect(task.steps.map((s) => [s.id, s.action, s.dependsOn, s.tier, s.state])).toEqual([
      ['s1', 'execute', [], 'execute', 'failed'],
      ['s2', 'plan', ['s1'], 'read', 'skipped'],
      ['s3', 'shell', [], 'execute', 'completed'],
      ['s4', 'plan', ['s3'], 'read', 'completed'],
    ]);
    expect(step(task, 's1').error).toBe('Command failed (exit 1): false');
    expect(step(task, 's3').outputs?.stdout).toBe('recovered\n');
    expect(step(task, 's4').outputs?.stdout).toBe('42');
    expect(task.planHash).not.toBe(planned.planHash);
    expect(task.summaryText.split('\n')[0]).toBe('Failed: "make it work" — 2/4 succeeded, 1 failed, 1 skipped');

    const repair = llm.requests[0]!;
    expect(repair.systemPrompt).toContain('ONLY valid JSON');
    expect(userText(repair)).toBe(
      'Original request: "make it work"\n\nWhat already succeeded (do NOT redo):\n(nothing yet)\n\n' +
        'Failed step: Run false\nActual error: Command failed (exit 1): false',
    );
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
    expect(events.phasesOf(planned.taskId)).toHaveLength(5);
    expect(auditRows(h.db, planned.taskId).map((r) => [r.step_id, r.kind, r.actor])).toEqual([
      [null, 'plan_created', 'model'],
      [null, 'plan_approved', 'model'],
      ['s1', 'step_failed', 'system'],
      [null, 'replanned', 'model'],
      ['s3', 'step_completed', 'system'],
      ['s4', 'step_completed', 'system'],
    ]);
  });

  it('recaps completed steps for the repair planner, stdout capped at 1,500 chars', async () => {
    const llm = routedLlm({ repair: ['[]'] });
    h = await startHarness({ llm, config: { maxParallel: 1 } });
    const planned = await start(h, 'recap', [
      { description: 'Short output', action: 'plan', output: 'line one\nline two' },
      { description: 'Long output', action: 'plan', output: 'y'.repeat(2_000), depends_on: [0] },
      { description: 'Quiet', action: 'shell', command: 'true', depends_on: [1] },
      { description: 'Fail here', action: 'shell', command: 'echo nope >&2; exit 2', depends_on: [2] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(userText(llm.requests[0]!)).toBe(
      [
        'Original request: "recap"',
        '',
        'What already succeeded (do NOT redo):',
        '- Short output\n  stdout:\n    line one\n    line two',
        `- Long output\n  stdout:\n    ${'y'.repeat(1_500)}\n    …[truncated]`,
        '- Quiet\n  (no stdout)',
        '',
        'Failed step: Fail here',
        'Actual error: Shell command failed (exit 2): echo nope >&2; exit 2\nstderr: nope',
      ].join('\n'),
    );
    // An empty corrective plan changes nothing and does not count as a replan.
    expect(task.replanAttempts).toBe(0);
    expect(task.steps).toHaveLength(4);
  });

  it('replans at most twice per task, even when corrective steps keep failing', async () => {
    const failing = (n: number) =>
      fenced([{ description: `Attempt ${n}`, action_type: 'execute', command: 'false', depends_on: [], tier: 'execute' }], `Try #${n}:`);
    const llm = routedLlm({ repair: [failing(1), failing(2), failing(3)] });
    h = await startHarness({ llm });
    const planned = await start(h, 'stubborn failure', [{ description: 'Original', action: 'execute', command: 'false' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.replanAttempts).toBe(2);
    expect(kinds(llm)).toEqual(['repair', 'repair']);
    expect(task.steps.map((s) => [s.id, s.description, s.state])).toEqual([
      ['s1', 'Original', 'failed'],
      ['s2', 'Attempt 1', 'failed'],
      ['s3', 'Attempt 2', 'failed'],
    ]);
    expect(userText(llm.requests[1]!)).toContain('Failed step: Attempt 1\nActual error: Command failed (exit 1): false');
  });

  it('leaves the plan and the counter alone when the replan request fails or returns nothing', async () => {
    const llm = routedLlm({ repair: [new Error('context window exceeded'), 'Here you go:\n```json\n[]\n```'] });
    h = await startHarness({ llm, config: { maxParallel: 4 } });
    const planned = await start(h, 'two failures', [
      { description: 'Fail A', action: 'execute', command: 'false' },
      { description: 'Fail B', action: 'plan', output: '' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(kinds(llm)).toEqual(['repair', 'repair']);
    // One replan request per failure of the wave, in the order the failures happened.
    expect(llm.requests.map((r) => /Failed step: (.*)/.exec(userText(r))?.[1]).sort()).toEqual(['Fail A', 'Fail B']);
    expect(task.replanAttempts).toBe(0);
    expect(task.planHash).toBe(planned.planHash);
    expect(states(task)).toEqual({ s1: 'failed', s2: 'failed' });
  });
});

describe('replan by the host (no sampling)', () => {
  it('waits in awaiting_replan and continues with corrective steps sent through plan { taskId, steps }', async () => {
    h = await startHarness({ config: { hostReplanTimeoutMs: 30_000 } });
    const events = watch(h);
    const planned = await start(h, 'build the report', [
      { description: 'Draft', action: 'plan', output: '   ' },
      { description: 'Publish', action: 'plan', output: 'published', depends_on: [0] },
    ]);
    const waiting = await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan');
    expect(states(waiting)).toEqual({ s1: 'failed', s2: 'skipped' });
    expect(waiting.summaryText).toBe('Waiting for a corrective plan: "build the report" — 1 failed, 1 skipped (of 2 steps)');
    expect(waiting.awaiting).toHaveLength(1);
    expect(JSON.parse(taskRows(h.db)[0]?.replan_request ?? 'null')).toMatchObject({ failedStepId: 's1', failedStep: 'Draft' });
    const request = waiting.awaiting![0]!;
    expect(request).toMatchObject({ kind: 'replan', failedStepId: 's1', failedStep: 'Draft', error: step(waiting, 's1').error });
    expect(Date.parse(String(request['deadline']))).toBeGreaterThan(Date.now());
    expect(String(request['prompt'])).toContain('repair planner');
    expect(String(request['prompt'])).toContain('Failed step: Draft');
    expect(String(request['hint'])).toContain(`plan { taskId: "${planned.taskId}", steps }`);
    const harness = h;
    await expect.poll(() => harness.logs.some((l) => (l.data as { event?: string }).event === 'replan_needed')).toBe(true);

    const invalid = await h.call('plan', {
      taskId: planned.taskId,
      steps: [{ description: 'Loop', action: 'plan', output: 'x', depends_on: [0] }],
    });
    expect(errorCode(invalid)).toBe('PLAN_INVALID');
    expect((await status(h, planned.taskId)).phase).toBe('awaiting_replan');

    const accepted = await h.ok<{ phase: string; taskId: string; task: { phase: string; steps: Array<{ id: string; state: string }> } }>(
      'plan',
      {
        taskId: planned.taskId,
        steps: [
          { description: 'Draft properly', action: 'plan', output: 'a real draft' },
          { description: 'Publish the draft', action: 'shell', command: 'echo published', depends_on: [0] },
        ],
      },
    );
    // The answer already shows the task going on with the corrective steps spliced in.
    expect(accepted).toMatchObject({ taskId: planned.taskId, phase: 'executing' });
    expect(accepted.task.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.replanAttempts).toBe(1);
    expect(task.awaiting).toBeUndefined();
    expect(taskRows(h.db)[0]).toMatchObject({ replan_request: null, replan_attempts: 1 });
    expect(states(task)).toEqual({ s1: 'failed', s2: 'skipped', s3: 'completed', s4: 'completed' });
    expect(step(task, 's4').dependsOn).toEqual(['s3']);
    expect(step(task, 's4').outputs?.stdout).toBe('published\n');
    expect(phaseRows(h.db, planned.taskId)).toEqual([
      'planning',
      'awaiting_approval',
      'executing',
      'awaiting_replan',
      'executing',
      'reconciling',
      'failed',
    ]);
    expect(events.phasesOf(planned.taskId)).toContain('executing→awaiting_replan');
    expect(events.phasesOf(planned.taskId)).toContain('awaiting_replan→executing');
  });

  it('gives up after the host replan timeout and ends failed with nothing spliced', async () => {
    h = await startHarness({ config: { hostReplanTimeoutMs: 300 } });
    const planned = await start(h, 'nobody answers', [{ description: 'Fail', action: 'execute', command: 'false' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.replanAttempts).toBe(0);
    expect(task.steps.map((s) => s.id)).toEqual(['s1']);
    expect(task.awaiting).toBeUndefined();
    expect(phaseRows(h.db, planned.taskId)).toEqual([
      'planning',
      'awaiting_approval',
      'executing',
      'awaiting_replan',
      'executing',
      'reconciling',
      'failed',
    ]);
    const late = await h.call('plan', { taskId: planned.taskId, steps: [{ description: 'Too late', action: 'plan', output: 'x' }] });
    expect(errorCode(late)).toBe('INVALID_TRANSITION');
  });
});
