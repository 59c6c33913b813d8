/**
 * The `approve` tool through a real client: approving and rejecting a plan, answering a step's
 * confirmation, resolving a bare approve to the one pending plan, and a coded error for every
 * call in the wrong phase or with bad arguments.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, finished, phaseRows, plan, start, states, status, step, stubbornPlugin, until, watch } from '../engine-mcp/support.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm } from '../helpers/llm.js';
import {
  SEED_STEPS,
  expectCode,
  expectSchemaError,
  planStep,
  taskTotal,
  propertyNames,
  published,
  text,
  type SchemaCase,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('approve as published', () => {
  it('declares a tool that writes but destroys nothing, is not idempotent and stays inside the server', async () => {
    h = await startHarness();
    const tool = await published(h, 'approve');
    expect(tool.title).toBe('Approve or reject a plan or a step');
    expect(tool.annotations).toEqual({
      title: 'Approve or reject a plan or a step',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(propertyNames(tool.inputSchema)).toEqual(['comment', 'decision', 'planHash', 'stepId', 'taskId']);
    expect(tool.inputSchema.required ?? []).toEqual([]);
    expect((tool.inputSchema.properties?.decision as { enum?: string[] }).enum).toEqual(['approve', 'reject', 'retry', 'done', 'fail']);
    expect(propertyNames(tool.outputSchema)).toEqual(['decision', 'error', 'phase', 'stepId', 'task', 'taskId', 'via']);
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

  it('answers an unknown task with TASK_NOT_FOUND, for approve and reject alike', async () => {
    h = await startHarness();
    for (const [tool, args] of [
      ['approve', { taskId: 'missing' }],
      ['approve', { taskId: 'missing', decision: 'reject' }],
    ] as const) {
      const result = await h.call(tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(errorCode(result)).toBe('TASK_NOT_FOUND');
    }
  });

  it('refuses to reject a running task (use cancel) with INVALID_TRANSITION', async () => {
    const stubborn = stubbornPlugin();
    h = await startHarness({ plugins: [stubborn.plugin] });
    const planned = await start(h, 'busy', [{ description: 'Busy', action: 'stubborn' }]);
    await until(h, planned.taskId, (t) => t.phase === 'executing');
    expect(errorCode(await h.call('approve', { taskId: planned.taskId, decision: 'reject' }))).toBe('INVALID_TRANSITION');
    await h.ok('cancel', { taskId: planned.taskId });
    expect((await finished(h, planned.taskId)).phase).toBe('cancelled');
    stubborn.release();
  });
});

describe('approve { taskId, stepId }: answering a step confirmation', () => {
  it('refuses malformed or misdirected step answers with INVALID_ARGUMENT, STEP_NOT_FOUND and INVALID_TRANSITION', async () => {
    h = await startHarness();
    const planned = await start(h, 'careful', [
      { description: 'Dangerous', action: 'shell', command: 'true', tier: 'destructive' },
      { description: 'Later', action: 'plan', output: 'x', depends_on: [0] },
    ]);
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    expect(errorCode(await h.call('approve', { stepId: 's1' }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await h.call('approve', { taskId: planned.taskId, stepId: 's9' }))).toBe('STEP_NOT_FOUND');
    expect(errorCode(await h.call('approve', { taskId: planned.taskId, stepId: 's2' }))).toBe('INVALID_TRANSITION');
    expect(errorCode(await h.call('approve', { taskId: 'missing', stepId: 's1' }))).toBe('TASK_NOT_FOUND');
    await h.ok('approve', { taskId: planned.taskId, stepId: 's1' });
    const twice = await h.call('approve', { taskId: planned.taskId, stepId: 's1' });
    expect(errorCode(twice)).toBe('INVALID_TRANSITION');
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
  });
});

/** These tests share one server on purpose: the last one checks what all the others left behind. */
describe('hostile input, on one shared server', () => {
  const llm = new ScriptedLlm();
  let server: Harness;
  /** Tasks the tests meant to create; the database must hold exactly these. */
  let validTasks = 0;

  beforeAll(async () => {
    server = await startHarness({ llm });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function validPlan(stepDrafts: unknown[] = [planStep()]): Promise<Record<string, any>> {
    const planned = await server.ok('plan', { request: 'a valid plan', steps: stepDrafts });
    validTasks += 1;
    return planned;
  }

  describe('schema violations: wrong types, missing and out-of-range arguments', () => {
    const cases: SchemaCase[] = [
      ['approve', 'taskId as a number', { taskId: 5 }, 'taskId'],
      ['approve', 'an unknown decision', { decision: 'maybe' }, 'decision'],
      ['approve', 'planHash as a number', { taskId: 't', planHash: 123 }, 'planHash'],
      ['approve', 'stepId as a boolean', { taskId: 't', stepId: true }, 'stepId'],
      ['approve', 'comment as an object', { taskId: 't', comment: { why: 'because' } }, 'comment'],
    ];

    it.each(cases)('%s rejects %s with the SDK validation error naming the field', async (tool, _what, args, field) => {
      expectSchemaError(await server.call(tool, args), tool, field);
    });
  });

  describe('unknown ids and missing context', () => {
    it('rejects an unknown task id on approve, reject and a stepId answer with TASK_NOT_FOUND', async () => {
      const calls: Array<[string, Record<string, unknown>]> = [
        ['approve', { taskId: 'no-such-task' }],
        ['approve', { taskId: 'no-such-task', decision: 'reject' }],
        ['approve', { taskId: 'no-such-task', stepId: 's1' }],
      ];
      for (const [tool, args] of calls) {
        const details = expectCode(await server.call(tool, args), 'TASK_NOT_FOUND');
        expect(details.taskId).toBe('no-such-task');
      }
    });

    it('rejects approve with stepId but no taskId with INVALID_ARGUMENT', async () => {
      const details = expectCode(await server.call('approve', { stepId: 's1' }), 'INVALID_ARGUMENT');
      expect(details.field).toBe('taskId');
    });

    it('rejects approve without taskId when no plan is pending with NO_PENDING_TASK', async () => {
      expectCode(await server.call('approve', {}), 'NO_PENDING_TASK');
    });

    it('rejects approve without taskId when two plans are pending with AMBIGUOUS_TASK', async () => {
      const a = await validPlan();
      const b = await validPlan();
      const details = expectCode(await server.call('approve', {}), 'AMBIGUOUS_TASK');
      expect(details.taskIds).toEqual(expect.arrayContaining([a.taskId, b.taskId]));
      for (const t of [a, b]) await server.ok('approve', { taskId: t.taskId, decision: 'reject' });
    });
  });

  describe('decisions in the wrong phase', () => {
    it('rejects approve with a wrong planHash with PLAN_CHANGED and leaves the plan pending', async () => {
      const planned = await validPlan();
      const details = expectCode(await server.call('approve', { taskId: planned.taskId, planHash: 'not-the-hash' }), 'PLAN_CHANGED');
      expect(details.planHash).toBe(planned.planHash);
      const { task } = await server.ok('status', { taskId: planned.taskId });
      expect(task.phase).toBe('awaiting_approval');
      await server.ok('approve', { taskId: planned.taskId, decision: 'reject' });
    });

    it('rejects approve, reject, replan and stepId answers on a running task', async () => {
      const planned = await validPlan([{ description: 'Wait a while', action: 'shell', command: 'sleep 30' }]);
      await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
      await expect
        .poll(async () => (await server.ok('status', { taskId: planned.taskId })).task.steps[0].state, { timeout: 10_000 })
        .toBe('running');
      const taskId = planned.taskId as string;
      const stepId = planned.steps[0].id as string;

      expect(expectCode(await server.call('approve', { taskId }), 'INVALID_TRANSITION').phase).toBe('executing');
      expect(expectCode(await server.call('approve', { taskId, decision: 'reject' }), 'INVALID_TRANSITION').phase).toBe('executing');
      expectCode(await server.call('plan', { taskId, steps: [planStep()] }), 'INVALID_TRANSITION');
      const stepDetails = expectCode(await server.call('approve', { taskId, stepId }), 'INVALID_TRANSITION');
      expect(stepDetails).toMatchObject({ stepId, state: 'running' });
      expectCode(await server.call('approve', { taskId, stepId, decision: 'reject' }), 'INVALID_TRANSITION');
      expect(expectCode(await server.call('approve', { taskId, stepId: 's99' }), 'STEP_NOT_FOUND').stepId).toBe('s99');

      const cancelled = await server.ok('cancel', { taskId, reason: 'test over' });
      expect(cancelled.task.phase).toBe('cancelled');
      expect(cancelled.task.steps[0].state).toBe('cancelled');
    });

    it('lets exactly one of two concurrent approvals win; the other gets INVALID_TRANSITION', async () => {
      const planned = await validPlan([planStep('Say once', 'once')]);
      const results = await Promise.all([
        server.call('approve', { taskId: planned.taskId }),
        server.call('approve', { taskId: planned.taskId }),
      ]);
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
      expectCode(results.find((r) => r.isError) as CallToolResult, 'INVALID_TRANSITION');
      const { task } = await server.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
      expect(task.phase).toBe('completed');
    });

    it('rejects approving or rejecting a finished task and returns it unchanged from cancel', async () => {
      const planned = await validPlan([planStep('Say done', 'done')]);
      const taskId = planned.taskId as string;
      await server.ok('approve', { taskId });
      const { task: finished } = await server.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
      expect(finished.phase).toBe('completed');

      expect(expectCode(await server.call('approve', { taskId }), 'INVALID_TRANSITION').phase).toBe('completed');
      expect(expectCode(await server.call('approve', { taskId, decision: 'reject' }), 'INVALID_TRANSITION').phase).toBe('completed');
      expectCode(await server.call('approve', { taskId, stepId: planned.steps[0].id }), 'INVALID_TRANSITION');

      const result = await server.call('cancel', { taskId, reason: 'too late' });
      expect(result.isError).toBeFalsy();
      const { task } = result.structuredContent as { task: Record<string, any> };
      expect(task.phase).toBe('completed');
      expect(task.completedAt).toBe(finished.completedAt);
      expect(task.steps).toEqual(finished.steps);
    });
  });

  describe('after all of that', () => {
    it('still approves a plan and runs it to completed, and stores only the valid plans', async () => {
      const planned = await validPlan([
        planStep('Outline', 'outline'),
        { description: 'Echo', action: 'shell', command: 'echo still-alive', depends_on: [0] },
      ]);
      const approved = await server.call('approve', { taskId: planned.taskId, planHash: planned.planHash });
      expect(approved.isError, text(approved)).toBeFalsy();
      const { task } = await server.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
      expect(task.phase).toBe('completed');
      expect(task.steps[1].outputs.stdout).toContain('still-alive');
      expect(await taskTotal(server)).toBe(validTasks);
    });
  });
});
