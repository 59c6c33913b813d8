/**
 * A bounded plan: the published input schema bounds the whole plan, an over-large one is refused
 * by schema validation (nothing stored, the server keeps serving), and the largest plan it allows
 * still gets a `plan` result a host can read, while planHash and the task resource cover all of it.
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

describe('plan input bounds', () => {
  it('publishes the bounds in the input schema', async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    const schema = tools.find((t) => t.name === 'plan')?.inputSchema as Record<string, any>;
    expect(schema.properties.steps).toMatchObject({ maxItems: 1_000, minItems: 1 });
    expect(schema.properties.steps.description).toContain('1 MiB of JSON');
    expect(schema.properties.steps.items.properties.description.maxLength).toBe(10_000);
    expect(schema.properties.request.maxLength).toBe(100_000);
    expect(schema.properties.context.description).toContain('256 KiB');
  });

  it('refuses steps over 1 MiB of JSON with a validation error naming steps, and stores nothing', async () => {
    h = await startHarness();
    const steps = Array.from({ length: 200 }, (_, i) => outputStep(`Step ${i}`, 'é'.repeat(3_000)));
    const result = await h.call('plan', { request: 'too big', steps });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Input validation error');
    expect(text(result)).toContain('steps');
    expect(text(result)).toContain(`over ${1024 * 1024} bytes as JSON`);
    expect((await h.ok('status', {})).total).toBe(0);
    // Still serving.
    expect((await h.ok('plan', { request: 'small', steps: [outputStep('One step')] })).phase).toBe('awaiting_approval');
  });

  it('refuses context facts over 256 KiB', async () => {
    h = await startHarness();
    const facts = Array.from({ length: 30 }, () => 'f'.repeat(10_000));
    const result = await h.call('plan', { request: 'r', steps: [outputStep('One step')], context: { facts } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('context');
    expect(text(result)).toContain(`over ${256 * 1024} bytes as JSON`);
  });

  it('bounds the plan_request prompt argument like the plan request', async () => {
    h = await startHarness();
    await expect(h.client.getPrompt({ name: 'plan_request', arguments: { request: 'r'.repeat(100_001) } })).rejects.toThrow(/request/);
    const prompt = await h.client.getPrompt({ name: 'plan_request', arguments: { request: 'r'.repeat(100_000) } });
    expect(JSON.stringify(prompt).length).toBeLessThan(200_000);
  });
});

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

describe('needs_plan', () => {
  it('stays bounded by the request and context bounds', async () => {
    h = await startHarness();
    const facts = Array.from({ length: 25 }, () => 'f'.repeat(10_000));
    const result = await h.call('plan', { request: 'r'.repeat(100_000), context: { facts } });
    expect((result.structuredContent as { phase: string }).phase).toBe('needs_plan');
    expect(size(result)).toBeLessThan(500_000);
  });
});
