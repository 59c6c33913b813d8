/**
 * What a `plan` result echoes of a big plan (src/tools/plan-result.ts): the largest plan the input
 * schema allows still gets a result a host can read — the first steps, a line saying where the
 * rest is, the closing instructions — while planHash and the task resource cover all of it.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { readJson, taskUri } from '../resources/helpers.js';

const RESULT_LIMIT = 80_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

function size(result: CallToolResult): number {
  return JSON.stringify(result.structuredContent).length + text(result).length;
}

const outputStep = (description: string, output = 'o') => ({ description, action: 'plan', output });

describe('the plan result of the largest plan allowed', () => {
  const description = (i: number) => (i === 900 ? `Wipe the cache ${i} `.padEnd(900, 'w') : `Step ${i} `.padEnd(900, 'd'));
  const bigPlan = () =>
    Array.from({ length: 1_000 }, (_, i) => ({ ...outputStep(description(i)), ...(i === 900 ? { tier: 'destructive' } : {}) }));

  it('stays small: planText shows the first steps and where the rest are, steps echo a few with stepsTotal', async () => {
    h = await startHarness();
    const result = await h.call('plan', { request: `Big ${'r'.repeat(99_000)}`, steps: bigPlan() });
    expect(result.isError, text(result)).toBeFalsy();
    expect(size(result)).toBeLessThan(RESULT_LIMIT);
    const planned = result.structuredContent as {
      taskId: string;
      planHash: string;
      planText: string;
      steps: unknown[];
      stepsTotal: number;
    };
    expect(planned.stepsTotal).toBe(1_000);
    expect(planned.steps.length).toBeGreaterThan(0);
    expect(planned.steps.length).toBeLessThan(1_000);
    expect(text(result)).toContain(`\`steps\` holds the first ${planned.steps.length} of 1000 steps`);
    const shown = Number(/Steps (\d+)–1000 are not shown here/.exec(planned.planText)?.[1]);
    expect(shown).toBeGreaterThan(1);
    expect(planned.planText).toContain('Among them is 1 step marked destructive or external');
    expect(planned.planText).toContain(`stepOffset: ${shown - 1}`);
    expect(planned.planText).toContain(taskUri(planned.taskId));
    // The closing instructions survive the cut.
    expect(planned.planText).toContain('Approve with the `approve` tool');
    expect(Math.max(...planned.planText.split('\n').map((l) => l.length))).toBeLessThanOrEqual(400);

    // The hash covers the whole plan: approving with it works, and the resource has every step whole.
    const view = await readJson(h.client, taskUri(planned.taskId));
    expect(view.steps).toHaveLength(1_000);
    expect(view.steps[900]).toMatchObject({ description: description(900), tier: 'destructive' });
    const approved = await h.call('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect(approved.isError, text(approved)).toBeFalsy();
    expect(size(approved)).toBeLessThan(RESULT_LIMIT);
    await h.ok('cancel', { taskId: planned.taskId });
  });

  it("keeps a clipped step line's tier marker", async () => {
    h = await startHarness();
    const steps = [{ ...outputStep('Delete '.padEnd(5_000, 'x')), tier: 'destructive' }];
    const planned = await h.ok('plan', { request: 'one long line', steps });
    const line = (planned.planText as string).split('\n').find((l) => l.startsWith('  1. '));
    expect(line?.length).toBeLessThanOrEqual(300);
    expect(line).toContain('destructive');
  });
});
