/**
 * Results stay small whatever a task's steps hold: a 1,000-step task with 10,000-char
 * descriptions, a 400 KB input, megabytes of stdout, huge data, long summaries and errors still
 * gets `plan`, `approve`, `status` and `cancel` results a host can take, pages through every step,
 * and keeps everything, uncut, in the task resource.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { DECLINE, routedLlm } from '../engine-mcp/support.js';
import { startHarness, structuredOrThrow, type Harness } from '../helpers/harness.js';
import { readJson, taskUri } from '../resources/helpers.js';

/** 20,000 tokens at 4 characters a token. */
const RESULT_LIMIT = 80_000;
const MiB = 1024 * 1024;
const STEPS = 1_000;
const HEAVY_EVERY = 200;
const FAILING = 998;

/** Everything a host reads of a tool result: the structured content and the text. */
function size(result: CallToolResult): number {
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  return JSON.stringify(result.structuredContent).length + text.length;
}

const heavy = {
  apiVersion: 1,
  name: 'heavy',
  description: 'produces a lot',
  tier: 'read',
  input: z.object({ kind: z.enum(['light', 'heavy', 'fail']).default('light'), blob: z.string().optional() }),
  run: async (input: { kind: string }, ctx: { stepId: string }) => {
    if (input.kind === 'fail') throw new Error(`it broke: ${'e'.repeat(20_000)}`);
    if (input.kind === 'light') return { summary: `done ${ctx.stepId}`, stdout: 'x'.repeat(100), data: { ok: true } };
    return {
      summary: 's'.repeat(20_000),
      stdout: `${ctx.stepId} `.padEnd(MiB, 'o'),
      // Escape sequences cost six characters each as JSON.
      stderr: '\u001b'.repeat(100_000),
      data: { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'row' })) },
      artifacts: Array.from({ length: 500 }, (_, i) => `/tmp/artifact-${i}-`.padEnd(1_000, 'a')),
    };
  },
} as unknown as ActionPlugin<unknown>;

function drafts(): unknown[] {
  return Array.from({ length: STEPS }, (_, i) => {
    const isHeavy = i % HEAVY_EVERY === 0;
    const kind = i === FAILING ? 'fail' : isHeavy ? 'heavy' : 'light';
    const description = isHeavy ? `Step ${i} `.padEnd(10_000, 'd') : `Step ${i}: light work`;
    return {
      description,
      action: 'heavy',
      kind,
      ...(i === 1 ? { blob: 'b'.repeat(400_000) } : {}),
      // The last step waits for the failing one, so it ends skipped with a reason.
      ...(i === STEPS - 1 ? { depends_on: [FAILING] } : {}),
    };
  });
}

let h: Harness;
let taskId: string;
const results: Record<string, CallToolResult> = {};

beforeAll(async () => {
  h = await startHarness({ plugins: [heavy], llm: routedLlm({}, { repair: DECLINE }) });
  results.plan = await h.call('plan', { request: `Do a lot ${'r'.repeat(99_000)}`, steps: drafts() });
  const planned = structuredOrThrow<{ taskId: string; planHash: string }>('plan', results.plan);
  taskId = planned.taskId;
  results.approve = await h.call('approve', { taskId, planHash: planned.planHash });
  await h.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 50 });
  results.status = await h.call('status', { taskId });
  results.cancel = await h.call('cancel', { taskId });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('result sizes of a 1,000-step task with heavy steps', () => {
  it('keeps plan, approve, status and cancel results under 80,000 characters', () => {
    for (const [tool, result] of Object.entries(results)) {
      expect(result.isError, tool).toBeFalsy();
      expect(size(result), tool).toBeLessThan(RESULT_LIMIT);
    }
    const status = results.status?.structuredContent as { task: { phase: string; counts: Record<string, number> } };
    expect(status.task.phase).toBe('failed');
    expect(status.task.counts).toMatchObject({ failed: 1, skipped: 1, total: STEPS });
  });

  it('caps every field of a step in status and says it was cut', () => {
    const { task } = results.status?.structuredContent as { task: Record<string, any> };
    const first = task.steps[0];
    expect(first.id).toBe('s1');
    expect(first.description.length).toBeLessThan(1_100);
    expect(first.description).toContain('10000 chars; see the task resource');
    expect(first.summary.length).toBeLessThan(1_100);
    expect(first.outputs.stdout.length).toBeLessThan(4_200);
    expect(first.outputs.stdout).toContain(`${MiB} chars in all; read the task resource`);
    expect(JSON.stringify(first.outputs.stderr).length).toBeLessThan(8_400);
    expect(first.outputs.data).toEqual({ truncated: true, preview: expect.stringMatching(/^\{"rows":\[/), bytes: expect.any(Number) });
    expect(first.outputs.data.bytes).toBe(JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'row' })) }).length);
    expect(first.outputs.artifacts).toHaveLength(20);
    expect(first.outputs.truncated).toBe(true);
    expect(task.request.length).toBeLessThan(2_100);
  });

  it('pages through every step with nextStepOffset, each page small', async () => {
    const seen: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const result = await h.call('status', { taskId, stepOffset: offset });
      expect(size(result)).toBeLessThan(RESULT_LIMIT);
      const { task } = result.structuredContent as {
        task: { steps: Array<{ id: string; input: Record<string, unknown> }>; nextStepOffset?: number };
      };
      expect(task.steps.length).toBeGreaterThan(0);
      seen.push(...task.steps.map((s) => s.id));
      const text = (result.content[0] as { text: string }).text;
      if (task.nextStepOffset !== undefined) expect(text).toContain(`stepOffset: ${task.nextStepOffset}`);
      else expect(text).not.toContain('stepOffset:');
      const withBlob = task.steps.find((s) => s.id === 's2');
      if (withBlob) expect(withBlob.input).toMatchObject({ truncated: true, bytes: expect.any(Number) });
      offset = task.nextStepOffset;
    }
    expect(seen).toHaveLength(STEPS);
    expect(new Set(seen).size).toBe(STEPS);
  });

  it('fills a page of light steps up to stepLimit', async () => {
    const { task } = await h.ok('status', { taskId, stepOffset: 2, stepLimit: 100 });
    expect(task.steps).toHaveLength(100);
    expect(task.nextStepOffset).toBe(102);
  });

  it('shows a long report line clipped and the failure at the end', () => {
    const { task } = results.status?.structuredContent as { task: { summaryText: string } };
    const lines = task.summaryText.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(4_100);
    expect(lines.filter((l) => l.includes('✓')).every((l) => l.length <= 241)).toBe(true);
    expect(task.summaryText).toContain(`${FAILING + 1}. ✗ Step ${FAILING}: light work — it broke:`);
  });

  it('keeps everything whole in the task resource', async () => {
    const view = await readJson(h.client, taskUri(taskId));
    expect(view.steps).toHaveLength(STEPS);
    expect(view.nextStepOffset).toBeUndefined();
    expect(view.request).toHaveLength(99_000 + 'Do a lot '.length);
    const [first, second] = view.steps;
    expect(first.description).toHaveLength(10_000);
    expect(first.summary).toHaveLength(20_000);
    expect(first.outputs.stdout).toHaveLength(MiB);
    expect(first.outputs.stderr).toHaveLength(100_000);
    expect(first.outputs.data.rows).toHaveLength(20_000);
    expect(first.outputs.artifacts).toHaveLength(500);
    expect(second.input.blob).toHaveLength(400_000);
    const failed = view.steps.find((s: { state: string }) => s.state === 'failed');
    expect(failed.error.length).toBeGreaterThan(20_000);
  });

  it('lists tasks with long requests in a small result', async () => {
    for (let i = 0; i < 100; i += 1)
      await h.ok('plan', { request: `Task ${i} ${'q'.repeat(99_000)}`, steps: [{ description: 'd', action: 'heavy' }] });
    const list = await h.call('status', { limit: 100 });
    expect(size(list)).toBeLessThan(RESULT_LIMIT);
    const { tasks } = list.structuredContent as { tasks: Array<{ request: string }> };
    expect(tasks).toHaveLength(100);
    expect(tasks.every((t) => t.request.length <= 301)).toBe(true);
  });
});
