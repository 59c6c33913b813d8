/**
 * Corrective steps are a plan too: those whose estimate is more than what is left of the task's
 * budgets are not added — a sampled replan is dropped (the task ends failed as without one), and
 * the calling model gets BUDGET_EXCEEDED and may send cheaper steps while the task still waits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditRows, finished, kinds, routedLlm, start, states, until } from '../engine-mcp/support.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FAILING = [{ description: 'Run the old checker', action: 'execute', command: 'false' }];

const replanned = (hh: Harness, taskId: string) => auditRows(hh.db, taskId).filter((row) => row.kind === 'replanned');

describe('corrective steps and the budget', () => {
  it('drops a sampled replan that estimates more than the task has left, and keeps one that fits', async () => {
    const tooDear = fenced([{ description: 'Research a fix', action: 'research', query: 'how to fix', estimated_tokens: 5_000 }], 'Try:');
    const cheap = fenced([{ description: 'Use the new checker', action: 'shell', command: 'echo checked' }], 'Try:');
    const llm = routedLlm({ repair: [tooDear, cheap] });
    h = await startHarness({ llm, config: { budgets: { perTask: { tokens: 3_000 }, perDay: {} }, samplingMaxTokens: 500 } });

    const first = await start(h, 'check the code', FAILING);
    const dropped = await finished(h, first.taskId);
    expect(kinds(llm)).toEqual(['repair']);
    expect(dropped.phase).toBe('failed');
    expect(states(dropped)).toEqual({ s1: 'failed' });
    expect(replanned(h, first.taskId)).toEqual([]);

    const second = await start(h, 'check the code again', FAILING);
    const kept = await finished(h, second.taskId);
    expect(kinds(llm)).toEqual(['repair', 'repair']);
    expect(states(kept)).toEqual({ s1: 'failed', s2: 'completed' });
    expect(replanned(h, second.taskId)).toHaveLength(1);
  });

  it('answers corrective steps from the calling model that do not fit with BUDGET_EXCEEDED, and takes cheaper ones', async () => {
    h = await startHarness({ config: { budgets: { perTask: { tokens: 1_000 }, perDay: {} }, hostReplanTimeoutMs: 30_000 } });
    const planned = await start(h, 'check the code', FAILING);
    await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan');

    const refused = await h.call('plan', {
      taskId: planned.taskId,
      steps: [{ description: 'Research a fix', action: 'research', query: 'how to fix', estimated_tokens: 5_000 }],
    });
    expect(errorCode(refused)).toBe('BUDGET_EXCEEDED');
    const error = (refused.structuredContent as { error: { message: string; details: Record<string, unknown> } }).error;
    expect(error.message).toBe(
      'The corrective steps do not fit the budget: the per-task token budget has 1,000 tokens left; these steps estimate 5,000.',
    );
    expect(error.details).toMatchObject({ budget: 'perTask.tokens', left: 1_000, estimate: 5_000 });
    expect((await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan')).steps).toHaveLength(1);

    await h.ok('plan', {
      taskId: planned.taskId,
      steps: [{ description: 'Use the new checker', action: 'shell', command: 'echo checked' }],
    });
    expect(states(await finished(h, planned.taskId))).toEqual({ s1: 'failed', s2: 'completed' });
  });
});
