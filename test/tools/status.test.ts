/**
 * The `status` tool through a real client: one task as it is now or after a wait, the task list,
 * and results that stay small whatever a task's steps hold — a 1,000-step task with 10,000-char
 * descriptions, a 400 KB input, megabytes of stdout, huge data, long summaries and errors still
 * gets `plan`, `approve`, `status` and `cancel` results a host can take, pages through every step,
 * and keeps everything, uncut, in the task resource.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { DECLINE, finished, plan, routedLlm, start, until } from '../engine-mcp/support.js';
import { errorCode, startHarness, structuredOrThrow, type Harness } from '../helpers/harness.js';
import { readJson, taskUri } from '../resources/helpers.js';
import { expectCode, expectSchemaError, propertyNames, published, type SchemaCase } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('status as published', () => {
  it('declares a read-only, idempotent tool that stays inside the server', async () => {
    h = await startHarness();
    const tool = await published(h, 'status');
    expect(tool.title).toBe('Task status');
    expect(tool.annotations).toEqual({
      title: 'Task status',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(propertyNames(tool.inputSchema)).toEqual(
      ['limit', 'offset', 'sinceVersion', 'stepLimit', 'stepOffset', 'taskId', 'timeoutSeconds', 'waitUntil'].sort(),
    );
    expect(tool.inputSchema.required ?? []).toEqual([]);
    expect(tool.inputSchema.properties?.timeoutSeconds).toMatchObject({ minimum: 0, maximum: 50 });
    expect(propertyNames(tool.outputSchema)).toEqual(['error', 'nextOffset', 'task', 'tasks', 'total']);
  });
});

describe('status of one task', () => {
  it('returns at once from a change wait when the task changed since the version the caller saw', async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'wipe the scratch folder',
      steps: [{ description: 'Remove scratch files', action: 'shell', command: 'true', tier: 'destructive' }],
    });
    await h.ok('approve', { taskId: planned.taskId });
    await expect.poll(async () => (await h!.ok('status', { taskId: planned.taskId })).task.steps[0].state).toBe('awaiting_confirmation');
    const { task } = await h.ok('status', { taskId: planned.taskId });
    // Nothing changes while the step waits for a human, so only sinceVersion can end this wait early.
    const stale = await h.ok('status', { taskId: planned.taskId, waitUntil: 'change', sinceVersion: task.version - 1, timeoutSeconds: 50 });
    expect(stale.task.version).toBe(task.version);
    const current = await h.ok('status', { taskId: planned.taskId, waitUntil: 'change', sinceVersion: task.version, timeoutSeconds: 0.2 });
    expect(current.task.version).toBe(task.version);
    expect(current.task.awaiting.map((a: any) => a.kind)).toEqual(['step_confirmation']);
  });

  it('sends progress notifications while a status call waits, when the client asked for them', async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'wait for a human',
      steps: [{ description: 'Drop the cache', action: 'shell', command: 'true', tier: 'destructive' }],
    });
    await h.ok('approve', { taskId: planned.taskId });
    await expect.poll(async () => (await h!.ok('status', { taskId: planned.taskId })).task.steps[0].state).toBe('awaiting_confirmation');
    const beats: Array<{ progress: number; message?: string }> = [];
    const result = await h.client.callTool(
      { name: 'status', arguments: { taskId: planned.taskId, waitUntil: 'change', timeoutSeconds: 6 } },
      undefined,
      { onprogress: (p) => beats.push(p) },
    );
    expect(result.isError).toBeFalsy();
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]).toMatchObject({ progress: 1, message: 'waiting for the task to change' });
  });

  it('rejects unknown task ids with TASK_NOT_FOUND', async () => {
    h = await startHarness();
    const result = await h.call('status', { taskId: 'nope' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('TASK_NOT_FOUND');
  });

  it('answers an unknown task with TASK_NOT_FOUND rather than waiting for it to end', async () => {
    h = await startHarness();
    const result = await h.call('status', { taskId: 'missing', waitUntil: 'terminal', timeoutSeconds: 1 });
    expect(result.isError, `status ${JSON.stringify({ taskId: 'missing', waitUntil: 'terminal', timeoutSeconds: 1 })}`).toBe(true);
    expect(errorCode(result)).toBe('TASK_NOT_FOUND');
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

describe('awaiting in a capped view', () => {
  it('cuts a long replan prompt in status and keeps it whole in the task resource', async () => {
    h = await startHarness({ config: { hostReplanTimeoutMs: 30_000 } });
    const done = Array.from({ length: 20 }, (_, i) => ({
      description: `Gather part ${i} `.padEnd(1_000, 'g'),
      action: 'plan',
      output: `part ${i}`,
    }));
    const failing = { description: 'Assemble', action: 'plan', output: '   ', depends_on: done.map((_, i) => i) };
    const planned = await start(h, 'assemble the parts', [...done, failing]);
    const waiting = await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan');

    const replan = waiting.awaiting?.find((a) => a.kind === 'replan') as unknown as { prompt: string };
    expect(replan.prompt.length).toBeLessThan(12_100);
    expect(replan.prompt).toContain('chars; see the task resource');
    const full = await readJson(h.client, taskUri(planned.taskId));
    const whole = full.awaiting.find((a: { kind: string }) => a.kind === 'replan').prompt as string;
    expect(whole.length).toBeGreaterThan(20_000);
    expect(whole.startsWith(replan.prompt.slice(0, 12_000))).toBe(true);
    await h.ok('cancel', { taskId: planned.taskId });
  });
});

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

describe('result sizes of a 1,000-step task with heavy steps', () => {
  let server: Harness;
  let taskId: string;
  const results: Record<string, CallToolResult> = {};

  beforeAll(async () => {
    server = await startHarness({ plugins: [heavy], llm: routedLlm({}, { repair: DECLINE }) });
    results.plan = await server.call('plan', { request: `Do a lot ${'r'.repeat(99_000)}`, steps: drafts() });
    const planned = structuredOrThrow<{ taskId: string; planHash: string }>('plan', results.plan);
    taskId = planned.taskId;
    results.approve = await server.call('approve', { taskId, planHash: planned.planHash });
    await server.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 50 });
    results.status = await server.call('status', { taskId });
    results.cancel = await server.call('cancel', { taskId });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

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
      const result = await server.call('status', { taskId, stepOffset: offset });
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
    const { task } = await server.ok('status', { taskId, stepOffset: 2, stepLimit: 100 });
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
    const view = await readJson(server.client, taskUri(taskId));
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
      await server.ok('plan', { request: `Task ${i} ${'q'.repeat(99_000)}`, steps: [{ description: 'd', action: 'heavy' }] });
    const list = await server.call('status', { limit: 100 });
    expect(size(list)).toBeLessThan(RESULT_LIMIT);
    const { tasks } = list.structuredContent as { tasks: Array<{ request: string }> };
    expect(tasks).toHaveLength(100);
    expect(tasks.every((t) => t.request.length <= 301)).toBe(true);
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
      ['status', 'taskId as a number', { taskId: 5 }, 'taskId'],
      ['status', 'waitUntil "soon"', { taskId: 't', waitUntil: 'soon' }, 'waitUntil'],
      ['status', 'timeoutSeconds 51', { taskId: 't', waitUntil: 'change', timeoutSeconds: 51 }, 'timeoutSeconds'],
      ['status', 'timeoutSeconds as text', { taskId: 't', timeoutSeconds: '10' }, 'timeoutSeconds'],
      ['status', 'a negative stepOffset', { taskId: 't', stepOffset: -1 }, 'stepOffset'],
      ['status', 'stepLimit 0', { taskId: 't', stepLimit: 0 }, 'stepLimit'],
      ['status', 'limit as text', { limit: 'ten' }, 'limit'],
      ['status', 'a fractional offset', { offset: 1.5 }, 'offset'],
    ];

    it.each(cases)('%s rejects %s with the SDK validation error naming the field', async (tool, _what, args, field) => {
      expectSchemaError(await server.call(tool, args), tool, field);
    });
  });

  describe('unknown ids and missing context', () => {
    it('rejects an unknown task id on status, waiting or not, with TASK_NOT_FOUND', async () => {
      const calls: Array<[string, Record<string, unknown>]> = [
        ['status', { taskId: 'no-such-task' }],
        ['status', { taskId: 'no-such-task', waitUntil: 'change', timeoutSeconds: 1 }],
      ];
      for (const [tool, args] of calls) {
        const details = expectCode(await server.call(tool, args), 'TASK_NOT_FOUND');
        expect(details.taskId).toBe('no-such-task');
      }
    });
  });
});
