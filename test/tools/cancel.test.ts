/**
 * The `cancel` tool through a real client: what it answers, what it stores, and a coded error for
 * an unknown task or bad arguments. How cancelling stops running work is in
 * test/engine-mcp/cancel.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, concurrencyProbe, finished, phaseRows, plan, start, status, watch } from '../engine-mcp/support.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { expectCode, expectSchemaError, propertyNames, published, text, type SchemaCase } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface CancelResult {
  task: { phase: string; steps: Array<{ id: string; state: string; reason?: string }> };
}

describe('cancel as published', () => {
  it('declares a destructive, idempotent tool that stays inside the server and needs taskId', async () => {
    h = await startHarness();
    const tool = await published(h, 'cancel');
    expect(tool.title).toBe('Cancel a task');
    expect(tool.annotations).toEqual({
      title: 'Cancel a task',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(propertyNames(tool.inputSchema)).toEqual(['reason', 'taskId']);
    expect(tool.inputSchema.required).toEqual(['taskId']);
    expect(propertyNames(tool.outputSchema)).toEqual(['error', 'task']);
  });
});

describe('cancel', () => {
  it('cancels before approval: every step cancelled by request, nothing runs, approve is refused', async () => {
    const probe = concurrencyProbe('probe', 1);
    h = await startHarness({ plugins: [probe.plugin] });
    const planned = await plan(h, 'not yet', [
      { description: 'one', action: 'probe' },
      { description: 'two', action: 'probe', depends_on: [0] },
    ]);
    const result = await h.ok<CancelResult>('cancel', { taskId: planned.taskId });
    expect(result.task.phase).toBe('cancelled');
    expect(result.task.steps.map((s) => [s.state, s.reason])).toEqual([
      ['cancelled', 'cancelled by request'],
      ['cancelled', 'cancelled by request'],
    ]);
    const refused = await h.call('approve', { taskId: planned.taskId });
    expect(errorCode(refused)).toBe('INVALID_TRANSITION');
    expect(probe.stats.calls).toBe(0);
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'cancelled']);
    expect((await status(h, planned.taskId)).counts).toMatchObject({ cancelled: 2, total: 2 });
  });

  it('keeps terminal phases terminal: cancel after completion and a second cancel change nothing', async () => {
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

  it('records the reason it was given on every step it cancels and in the audit, and says what the task is now', async () => {
    h = await startHarness();
    const planned = await plan(h, 'not needed', [
      { description: 'one', action: 'plan', output: 'a' },
      { description: 'two', action: 'plan', output: 'b', depends_on: [0] },
    ]);
    const result = await h.call('cancel', { taskId: planned.taskId, reason: 'the user changed their mind' });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe(`Task ${planned.taskId} is cancelled.`);
    const { task } = result.structuredContent as unknown as CancelResult;
    expect(task.steps.map((s) => [s.id, s.state, s.reason])).toEqual([
      ['s1', 'cancelled', 'the user changed their mind'],
      ['s2', 'cancelled', 'the user changed their mind'],
    ]);
    const audit = auditRows(h.db, planned.taskId).filter((r) => r.kind === 'cancelled');
    expect(audit.map((r) => [r.actor, r.source, r.comment])).toEqual([['model', 'cancel tool', 'the user changed their mind']]);
  });

  it('answers an unknown task with TASK_NOT_FOUND', async () => {
    h = await startHarness();
    const result = await h.call('cancel', { taskId: 'missing' });
    expect(result.isError, `cancel ${JSON.stringify({ taskId: 'missing' })}`).toBe(true);
    expect(errorCode(result)).toBe('TASK_NOT_FOUND');
  });
});

describe('hostile input, on one shared server', () => {
  let server: Harness;
  beforeAll(async () => {
    server = await startHarness();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('schema violations: wrong types, missing and out-of-range arguments', () => {
    const cases: SchemaCase[] = [
      ['cancel', 'no taskId', {}, 'taskId'],
      ['cancel', 'taskId as a number', { taskId: 5 }, 'taskId'],
      ['cancel', 'reason as a number', { taskId: 't', reason: 5 }, 'reason'],
    ];

    it.each(cases)('%s rejects %s with the SDK validation error naming the field', async (tool, _what, args, field) => {
      expectSchemaError(await server.call(tool, args), tool, field);
    });
  });

  describe('unknown ids and missing context', () => {
    it('rejects an unknown task id on cancel with TASK_NOT_FOUND', async () => {
      const details = expectCode(await server.call('cancel', { taskId: 'no-such-task' }), 'TASK_NOT_FOUND');
      expect(details.taskId).toBe('no-such-task');
    });
  });
});
