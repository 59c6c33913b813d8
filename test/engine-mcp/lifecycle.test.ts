import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import {
  DECLINE,
  auditRows,
  finished,
  phaseRows,
  plan,
  routedLlm,
  start,
  states,
  status,
  step,
  taskRows,
  throwingPlugin,
  watch,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The seed's `test_steps()`: s1 research "test" (read), s2 execute "echo hello" after s1. */
const SEED_STEPS = [
  { description: 'Research the test topic', action: 'research', query: 'test', tier: 'read' },
  { description: 'Test that echo works', action: 'execute', command: 'echo hello', depends_on: [0] },
];

describe('plan', () => {
  it('stores a host-written plan awaiting approval, every step pending (seed test 7)', async () => {
    h = await startHarness();
    const planned = await plan(h, 'check the toolchain', SEED_STEPS);
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(planned.steps.map((s) => [s.id, s.action, s.tier, s.dependsOn])).toEqual([
      ['s1', 'research', 'read', []],
      ['s2', 'execute', 'execute', ['s1']],
    ]);
    expect(planned.planText).toContain('Research');
    expect(planned.planText).toContain('Test');

    const task = await status(h, planned.taskId);
    expect(task.phase).toBe('awaiting_approval');
    expect(states(task)).toEqual({ s1: 'pending', s2: 'pending' });
    expect(task.replanAttempts).toBe(0);
    expect(task.completedAt).toBeUndefined();
    expect(task.counts).toMatchObject({ pending: 2, total: 2 });
    expect(task.summaryText).toBe('Awaiting approval: "check the toolchain" — 2 steps in plan');
    expect(task.awaiting).toEqual([expect.objectContaining({ kind: 'plan_approval', planHash: planned.planHash })]);
  });

  it('renders the plan text in topological order with dependency references and tier markers only for risky tiers', async () => {
    h = await startHarness();
    const planned = await plan(h, 'tidy up', [
      { description: 'List old builds', action: 'shell', command: 'ls', tier: 'read' },
      { description: 'Delete old builds', action: 'shell', command: 'true', tier: 'destructive', depends_on: [0] },
      { description: 'Post a note', action: 'shell', command: 'true', tier: 'external', depends_on: [0, 1] },
    ]);
    expect(planned.planText.split('\n').slice(0, 10)).toEqual([
      'Task plan for: "tidy up"',
      `Working directory: ${h.dir}`,
      '3 steps:',
      '',
      '  1. List old builds',
      '     shell: ls',
      '  2. Delete old builds (destructive — extra confirmation) (after #1)',
      '     shell: true',
      '  3. Post a note (external call — extra confirmation) (after #1, #2)',
      '     shell: true',
    ]);
    expect(planned.planText).toContain('`approve`');
    expect(planned.planText).toContain('`reject`');
    expect(planned.planText).toContain(planned.taskId);
    expect(planned.planText).not.toContain('<nonce>');
  });

  it('writes two phase rows, two phase events and one audit entry (behaviours 6 and 7)', async () => {
    h = await startHarness();
    const events = watch(h);
    const planned = await plan(h, 'say hi', [{ description: 'Say hi', action: 'plan', output: 'hi' }]);
    expect(events.phasesOf(planned.taskId)).toEqual(['none→planning', 'planning→awaiting_approval']);
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval']);
    const audit = auditRows(h.db, planned.taskId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      source: 'orchestrator',
      request: 'say hi',
      decision: 'decomposed into task plan',
      action: planned.planText,
      tier: 'read',
      outcome: 'success',
      step_id: null,
    });
  });

  it('decomposes a messy LLM reply: prose and fences, nulls, a bare depends_on, numbers in text fields', async () => {
    const reply =
      'Okay — here is what I would do.\n\n```json\n' +
      JSON.stringify([
        { description: 'Think it through', action_type: 'plan', spec: 42, depends_on: null, tier: null, estimated_tokens: null },
        { description: 'Count files', action_type: 'shell', command: 'ls | wc -l', depends_on: 0, tier: 'READ' },
        {
          description: 'Tell the user',
          action_type: 'notify',
          message: 'done',
          channel: '',
          depends_on: [1, 'x', null, 1, 7],
          tier: 'external',
        },
      ]) +
      '\n```\nHope that helps!';
    const llm = routedLlm({ decompose: [reply] });
    h = await startHarness({ llm });
    const planned = await h.ok<{ phase: string; steps: Array<Record<string, unknown>> }>('plan', { request: 'count files' });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.steps).toEqual([
      expect.objectContaining({ id: 's1', action: 'plan', tier: 'read', dependsOn: [], input: { output: '42' } }),
      expect.objectContaining({ id: 's2', action: 'shell', tier: 'execute', dependsOn: ['s1'], input: { command: 'ls | wc -l' } }),
      expect.objectContaining({
        id: 's3',
        action: 'notify',
        tier: 'external',
        dependsOn: ['s2'],
        input: { channel: 'default', message: 'done' },
      }),
    ]);
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]?.systemPrompt).toContain('ONLY valid JSON');
  });

  it('rejects an LLM reply with no JSON as PLAN_INVALID and stores nothing (behaviour 2)', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: [DECLINE] }) });
    const events = watch(h);
    const result = await h.call('plan', { request: 'do the impossible' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect(JSON.stringify(result.content)).toContain('Failed to parse LLM output');
    expect(taskRows(h.db)).toEqual([]);
    expect(events.phases).toEqual([]);
  });

  it('rejects an empty LLM plan with PLAN_INVALID "Empty plan" (product fix of quirk 71)', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: ['Nothing to do here:\n```json\n[]\n```'] }) });
    const result = await h.call('plan', { request: 'nothing' });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect((result.structuredContent as { error: { message: string } }).error.message).toBe('Empty plan — LLM produced no steps');
    expect(taskRows(h.db)).toEqual([]);
  });

  it('reports a failing sampling request as SAMPLING_FAILED', async () => {
    h = await startHarness({ llm: routedLlm({ decompose: [new Error('model overloaded')] }) });
    const result = await h.call('plan', { request: 'anything' });
    expect(errorCode(result)).toBe('SAMPLING_FAILED');
    expect(JSON.stringify(result.content)).toContain('model overloaded');
    expect(taskRows(h.db)).toEqual([]);
  });

  it('rejects an empty host plan at the schema and stores nothing', async () => {
    h = await startHarness();
    const result = await h.call('plan', { request: 'nothing', steps: [] });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('Input validation error');
    expect(JSON.stringify(result.content)).toContain('steps');
    expect(taskRows(h.db)).toEqual([]);
  });

  it.each([
    ['a self-dependency', [{ description: 'Loop', action: 'plan', output: 'x', depends_on: [0] }], 'PLAN_INVALID', 'depends on itself'],
    [
      'a forward dependency',
      [
        { description: 'First', action: 'plan', output: 'x', depends_on: [1] },
        { description: 'Second', action: 'plan', output: 'y' },
      ],
      'PLAN_INVALID',
      'depends on a later step',
    ],
    [
      'a missing dependency',
      [{ description: 'Lonely', action: 'plan', output: 'x', depends_on: [5] }],
      'PLAN_INVALID',
      'depends on a missing step',
    ],
    ['an unknown action', [{ description: 'Fly', action: 'teleport' }], 'UNKNOWN_ACTION', 'unknown action "teleport"'],
    [
      'a blank shell command',
      [{ description: 'Nothing', action: 'shell', command: '   ' }],
      'PLAN_INVALID',
      'command: a shell step needs a non-empty command',
    ],

    ['a bad command', [{ description: 'Pipe', action: 'execute', command: 'ls | wc' }], 'PLAN_INVALID', 'Shell metacharacter |'],
    [
      'a non-trailing redirect',
      [{ description: 'Redirect twice', action: 'execute', command: 'echo a > b > c' }],
      'PLAN_INVALID',
      'Multiple or non-trailing',
    ],
  ])('rejects a host plan with %s as %s naming the step', async (_what, steps, code, text) => {
    h = await startHarness();
    const result = await h.call('plan', { request: 'bad plan', steps });
    expect(errorCode(result)).toBe(code);
    const message = (result.structuredContent as { error: { message: string } }).error.message;
    expect(message).toMatch(/^step \d \(/);
    expect(message).toContain(text);
    expect(taskRows(h.db)).toEqual([]);
  });
});

describe('approve', () => {
  it('starts execution and refuses a second approve with INVALID_TRANSITION', async () => {
    h = await startHarness();
    const planned = await plan(h, 'one step', [{ description: 'Write', action: 'plan', output: 'text' }]);
    const first = await h.ok('approve', { taskId: planned.taskId });
    expect(first).toMatchObject({ taskId: planned.taskId, decision: 'approve' });
    expect(['executing', 'reconciling', 'completed']).toContain(first.phase);
    const second = await h.call('approve', { taskId: planned.taskId });
    expect(second.isError).toBe(true);
    expect(errorCode(second)).toBe('INVALID_TRANSITION');
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    const third = await h.call('approve', { taskId: planned.taskId });
    expect(errorCode(third)).toBe('INVALID_TRANSITION');
  });

  it('refuses a stale planHash with PLAN_CHANGED and leaves the task awaiting approval', async () => {
    h = await startHarness();
    const planned = await plan(h, 'one step', [{ description: 'Write', action: 'plan', output: 'text' }]);
    const result = await h.call('approve', { taskId: planned.taskId, planHash: 'not-the-hash' });
    expect(errorCode(result)).toBe('PLAN_CHANGED');
    expect((result.structuredContent as { error: { details: { planHash: string } } }).error.details.planHash).toBe(planned.planHash);
    expect((await status(h, planned.taskId)).phase).toBe('awaiting_approval');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval']);
  });

  it('resolves a bare approve only when exactly one plan is pending (NO_PENDING_TASK / AMBIGUOUS_TASK)', async () => {
    h = await startHarness();
    const none = await h.call('approve', {});
    expect(errorCode(none)).toBe('NO_PENDING_TASK');

    const a = await plan(h, 'first', [{ description: 'A', action: 'plan', output: 'a' }]);
    const b = await plan(h, 'second', [{ description: 'B', action: 'plan', output: 'b' }]);
    const ambiguous = await h.call('approve', {});
    expect(errorCode(ambiguous)).toBe('AMBIGUOUS_TASK');
    expect((ambiguous.structuredContent as { error: { details: { taskIds: string[] } } }).error.details.taskIds).toEqual([
      a.taskId,
      b.taskId,
    ]);

    await h.ok('approve', { taskId: a.taskId, decision: 'reject' });
    const only = await h.ok('approve', {});
    expect(only.taskId).toBe(b.taskId);
    expect((await finished(h, b.taskId)).phase).toBe('completed');
    expect(errorCode(await h.call('approve', { decision: 'reject' }))).toBe('NO_PENDING_TASK');
  });

  it('rejects a plan: the task and every step end cancelled and nothing runs', async () => {
    h = await startHarness();
    const events = watch(h);
    const planned = await plan(h, 'never mind', SEED_STEPS);
    const rejected = await h.ok('approve', { taskId: planned.taskId, decision: 'reject', comment: 'not now' });
    expect(rejected).toMatchObject({ decision: 'reject', phase: 'cancelled' });
    const task = await status(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'cancelled' });
    expect(step(task, 's1').reason).toBe('plan rejected: not now');
    expect(task.summaryText).toBe('Cancelled: "never mind"');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'cancelled']);
    expect(events.phasesOf(planned.taskId)).toEqual(['none→planning', 'planning→awaiting_approval', 'awaiting_approval→cancelled']);
    expect(auditRows(h.db, planned.taskId).map((r) => [r.kind, r.actor, r.comment])).toEqual([
      ['plan_created', 'model', null],
      ['plan_rejected', 'model', 'not now'],
    ]);

    expect(errorCode(await h.call('approve', { taskId: planned.taskId }))).toBe('INVALID_TRANSITION');
    expect(errorCode(await h.call('approve', { taskId: planned.taskId, decision: 'reject' }))).toBe('INVALID_TRANSITION');
  });

  it('answers unknown tasks with TASK_NOT_FOUND on every tool', async () => {
    h = await startHarness();
    for (const [tool, args] of [
      ['approve', { taskId: 'missing' }],
      ['approve', { taskId: 'missing', decision: 'reject' }],
      ['status', { taskId: 'missing', waitUntil: 'terminal', timeoutSeconds: 1 }],
      ['cancel', { taskId: 'missing' }],
    ] as const) {
      const result = await h.call(tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(errorCode(result)).toBe('TASK_NOT_FOUND');
    }
  });
});

describe('phase history', () => {
  it('runs a successful task through executing, reconciling, completed (seed test 1, behaviour 26)', async () => {
    h = await startHarness();
    const events = watch(h);
    const planned = await start(h, 'write it', [{ description: 'Write the note', action: 'plan', output: 'the note\nsecond line' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(Date.parse(task.completedAt as string)).toBeGreaterThanOrEqual(Date.parse(task.createdAt));
    expect(events.phasesOf(planned.taskId)).toEqual([
      'none→planning',
      'planning→awaiting_approval',
      'awaiting_approval→executing',
      'executing→reconciling',
      'reconciling→completed',
    ]);
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
    expect(task.summaryText).toBe(
      'Completed: "write it" — all 1 steps succeeded\n  1. ✓ Write the note — the note\n\n─── Result ───\nthe note\nsecond line',
    );
  });

  it('lands a task with a failed step in failed after reconciling (seed test 2, behaviour 27)', async () => {
    const llm = routedLlm({}, { repair: DECLINE });
    h = await startHarness({ llm });
    const events = watch(h);
    const planned = await start(h, 'write nothing', [{ description: 'Write nothing', action: 'plan', output: '  ' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
    expect(phaseRows(h.db, planned.taskId).at(-1)).toBe('failed');
    expect(events.phasesOf(planned.taskId).slice(2)).toEqual([
      'awaiting_approval→executing',
      'executing→reconciling',
      'reconciling→failed',
    ]);
    expect(task.summaryText.split('\n')[0]).toBe('Failed: "write nothing" — 0/1 succeeded, 1 failed, 0 skipped');
  });

  it('keeps terminal phases terminal: cancel after completion and a second cancel change nothing (seed test 3)', async () => {
    h = await startHarness();
    const events = watch(h);
    const done = await start(h, 'finish', [{ description: 'Write', action: 'plan', output: 'x' }]);
    expect((await finished(h, done.taskId)).phase).toBe('completed');
    const rowsBefore = phaseRows(h.db, done.taskId);
    const eventsBefore = events.phasesOf(done.taskId);
    const cancelled = await h.ok<{ task: { phase: string } }>('cancel', { taskId: done.taskId });
    expect(cancelled.task.phase).toBe('completed');
    expect((await status(h, done.taskId)).phase).toBe('completed');
    expect(phaseRows(h.db, done.taskId)).toEqual(rowsBefore);
    expect(events.phasesOf(done.taskId)).toEqual(eventsBefore);

    const gone = await plan(h, 'drop', [{ description: 'Write', action: 'plan', output: 'x' }]);
    await h.ok('cancel', { taskId: gone.taskId });
    await h.ok('cancel', { taskId: gone.taskId });
    expect(phaseRows(h.db, gone.taskId)).toEqual(['planning', 'awaiting_approval', 'cancelled']);
    expect(errorCode(await h.call('approve', { taskId: gone.taskId }))).toBe('INVALID_TRANSITION');
    expect((await status(h, gone.taskId)).phase).toBe('cancelled');
  });

  it('never reruns or rewrites a finished step: each step has exactly one terminal state event', async () => {
    h = await startHarness({ plugins: [throwingPlugin()], llm: routedLlm({}, { repair: DECLINE }) });
    const events = watch(h);
    const planned = await start(h, 'mixed', [
      { description: 'Works', action: 'plan', output: 'ok' },
      { description: 'Breaks', action: 'boom' },
      { description: 'After both', action: 'plan', output: 'never', depends_on: [0, 1] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(states(task)).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped' });
    const terminal = ['completed', 'failed', 'skipped', 'cancelled'];
    for (const id of ['s1', 's2', 's3']) {
      const seen = events.steps.filter((e) => e.taskId === planned.taskId && e.stepId === id).map((e) => e.run.state);
      expect(
        seen.filter((s) => terminal.includes(s)),
        id,
      ).toHaveLength(1);
      expect(seen.filter((s) => s === 'running').length, id).toBeLessThanOrEqual(1);
    }
  });
});

describe('status list', () => {
  it('lists tasks newest first with their phases', async () => {
    h = await startHarness();
    const a = await plan(h, 'older', [{ description: 'A', action: 'plan', output: 'a' }]);
    const b = await start(h, 'newer', [{ description: 'B', action: 'plan', output: 'b' }]);
    await finished(h, b.taskId);
    const list = await h.ok<{ tasks: Array<{ id: string; phase: string; stepCount: number }>; total: number }>('status', {});
    expect(list.total).toBe(2);
    expect(list.tasks.map((t) => [t.id, t.phase, t.stepCount])).toEqual([
      [b.taskId, 'completed', 1],
      [a.taskId, 'awaiting_approval', 1],
    ]);
  });
});
