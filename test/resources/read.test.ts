import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { VIEW_STDOUT_CAP } from '../../src/engine/views/view.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import {
  DECLINE,
  concurrencyProbe,
  finished,
  phaseRows,
  plan,
  routedLlm,
  start,
  status,
  step,
  throwingPlugin,
} from '../engine-mcp/support.js';
import { auditUri, readJson, taskUri } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const LOUD_STDOUT = 'line of output\n'.repeat(1_000);

/** A step whose stdout is far beyond the status cap. */
const loud = {
  apiVersion: 1,
  name: 'loud',
  description: 'prints a lot',
  tier: 'read',
  input: z.object({ label: z.string().default('') }),
  run: async () => ({ summary: 'printed a lot', stdout: LOUD_STDOUT }),
} as ActionPlugin<unknown>;

describe('resources', () => {
  it('lists the task list, the catalogue and each recent task; templates for a task and its audit', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const older = await plan(h, 'the older request', [{ description: 'Probe', action: 'probe' }]);
    const newer = await plan(h, 'the newer request', [{ description: 'Probe', action: 'probe' }]);

    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      'orchestrate://tasks',
      'orchestrate://actions',
      'orchestrate://budgets',
      taskUri(newer.taskId),
      taskUri(older.taskId),
    ]);
    expect(resources[3]).toMatchObject({ name: newer.taskId, title: 'the newer request', mimeType: 'application/json' });

    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['orchestrate://tasks/{taskId}', 'orchestrate://tasks/{taskId}/audit']);
  });

  it('completes a task id prefix from the recent tasks', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const planned = await plan(h, 'complete me', [{ description: 'Probe', action: 'probe' }]);
    for (const uri of ['orchestrate://tasks/{taskId}', 'orchestrate://tasks/{taskId}/audit']) {
      const { completion } = await h.client.complete({
        ref: { type: 'ref/resource', uri },
        argument: { name: 'taskId', value: planned.taskId.slice(0, 6) },
      });
      expect(completion.values).toEqual([planned.taskId]);
    }
  });

  it('reads the task list newest first with the total', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const first = await plan(h, 'first', [{ description: 'Probe', action: 'probe' }]);
    const second = await plan(h, 'second', [{ description: 'Probe', action: 'probe' }]);
    const list = await readJson(h.client, 'orchestrate://tasks');
    expect(list).toMatchObject({ total: 2, limit: 100 });
    expect(list.tasks).toEqual([
      expect.objectContaining({ id: second.taskId, request: 'second', phase: 'awaiting_approval', stepCount: 1 }),
      expect.objectContaining({ id: first.taskId, request: 'first', phase: 'awaiting_approval', stepCount: 1 }),
    ]);
  });

  it('reads a task as a full TaskView whose outputs are not capped', async () => {
    h = await startHarness({ plugins: [loud] });
    const planned = await start(h, 'be loud', [{ description: 'Shout', action: 'loud' }]);
    await finished(h, planned.taskId);
    expect(step(await status(h, planned.taskId), 's1').outputs?.stdout.length).toBeLessThan(LOUD_STDOUT.length);

    const view = await readJson(h.client, taskUri(planned.taskId));
    expect(view).toMatchObject({ id: planned.taskId, request: 'be loud', phase: 'completed', planHash: planned.planHash });
    expect(LOUD_STDOUT.length).toBeGreaterThan(VIEW_STDOUT_CAP);
    expect(view.steps[0].outputs).toMatchObject({ stdout: LOUD_STDOUT, truncated: false });
  });

  it('reads the audit of a completed task: the plan entry, each executed step and the phase history', async () => {
    h = await startHarness({ plugins: [concurrencyProbe('probe', 1).plugin] });
    const planned = await start(h, 'probe twice', [
      { description: 'First probe', action: 'probe' },
      { description: 'Second probe', action: 'probe', depends_on: [0] },
    ]);
    await finished(h, planned.taskId);

    const audit = await readJson(h.client, auditUri(planned.taskId));
    expect(audit.taskId).toBe(planned.taskId);
    expect(audit.phases.map((p: { state: string }) => p.state)).toEqual([
      'planning',
      'awaiting_approval',
      'executing',
      'reconciling',
      'completed',
    ]);
    expect(audit.phases.map((p: { state: string }) => p.state)).toEqual(phaseRows(h.db, planned.taskId));
    expect(audit.phases[0]).toEqual({ id: expect.any(Number), state: 'planning', enteredAt: expect.any(String) });
    expect(audit.entries.map((e: Record<string, unknown>) => [e.stepId, e.kind, e.actor, e.outcome])).toEqual([
      [undefined, 'plan_created', 'model', 'success'],
      [undefined, 'plan_approved', 'model', undefined],
      ['s1', 'step_completed', 'system', 'success'],
      ['s2', 'step_completed', 'system', 'success'],
    ]);
    expect(audit.entries[0]).toMatchObject({ source: 'orchestrator', request: 'probe twice', action: planned.planText, tier: 'read' });
    expect(audit.entries[1]).toMatchObject({ source: 'approve tool', details: { planHash: planned.planHash } });
    expect(audit.entries[2]).toMatchObject({ request: 'First probe', action: 'probed s1', stdout: 'out of s1' });
  });

  it('reads the audit of a failed task with its "step failed" entry', async () => {
    h = await startHarness({ plugins: [throwingPlugin('boom', 'disk on fire')], llm: routedLlm({}, { repair: DECLINE }) });
    const planned = await start(h, 'break things', [{ description: 'Break', action: 'boom' }]);
    expect((await finished(h, planned.taskId)).phase).toBe('failed');

    const audit = await readJson(h.client, auditUri(planned.taskId));
    expect(audit.entries.map((e: Record<string, unknown>) => [e.stepId, e.kind, e.outcome])).toEqual([
      [undefined, 'plan_created', 'success'],
      [undefined, 'plan_approved', undefined],
      ['s1', 'step_failed', 'failure'],
    ]);
    expect(audit.entries[2]).toMatchObject({ request: 'Break', action: 'disk on fire' });
    expect(audit.phases.map((p: { state: string }) => p.state)).toEqual(phaseRows(h.db, planned.taskId));
    expect(audit.phases.at(-1).state).toBe('failed');
  });

  it('reads the action catalogue with each loaded plugin', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const actions = await readJson<Array<{ name: string; tier: string; inputSchema: object }>>(h.client, 'orchestrate://actions');
    expect(actions.map((a) => a.name)).toEqual(expect.arrayContaining(['shell', 'plan', 'probe']));
    expect(actions.find((a) => a.name === 'probe')).toMatchObject({
      description: 'test probe probe',
      tier: 'read',
      inputSchema: expect.any(Object),
    });
  });

  it('answers an unknown task id on the task and audit resources with a not-found protocol error and keeps serving', async () => {
    h = await startHarness();
    for (const uri of [taskUri('no-such-task'), auditUri('no-such-task')]) {
      await expect(h.client.readResource({ uri })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining(`Resource ${uri} not found`),
        data: { uri, code: 'TASK_NOT_FOUND' },
      });
    }
    await expect(h.client.readResource({ uri: 'orchestrate://nothing' })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    expect(await readJson(h.client, 'orchestrate://tasks')).toMatchObject({ tasks: [], total: 0 });
  });
});
