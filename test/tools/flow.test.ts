import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin } from '../../src/plugins/api.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm, fenced } from '../helpers/llm.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('plan → approve → status (host-written plan)', () => {
  it('runs a two-step plan to completed and reports every step', async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'say hello twice',
      steps: [
        { description: 'Write the greeting', action: 'plan', output: 'hello' },
        { description: 'Echo it', action: 'shell', command: 'echo hello-from-shell', depends_on: [0] },
      ],
    });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.planText).toContain('`approve`');
    const approved = await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect(approved.decision).toBe('approve');
    const { task } = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(task.steps.map((s: any) => s.state)).toEqual(['completed', 'completed']);
    expect(task.steps[1].outputs.stdout).toContain('hello-from-shell');
    expect(task.summaryText).toContain('Completed');
  });

  it('returns at once from a change wait when the task changed since the version the caller saw', async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'wipe the scratch folder',
      steps: [{ description: 'Remove scratch files', action: 'shell', command: 'true', tier: 'destructive' }],
    });
    await h.ok('approve', { taskId: planned.taskId });
    await expect.poll(async () => (await h.ok('status', { taskId: planned.taskId })).task.steps[0].state).toBe('awaiting_confirmation');
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
    await expect.poll(async () => (await h.ok('status', { taskId: planned.taskId })).task.steps[0].state).toBe('awaiting_confirmation');
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

  it("never lets a step's tier fall below its action's own tier, but lets a planner raise it", async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'tiers',
      steps: [
        { description: 'Run something', action: 'shell', command: 'true', tier: 'read' },
        { description: 'Look it up', action: 'research', query: 'q', tier: 'destructive' },
        { description: 'Note it', action: 'plan', output: 'x' },
      ],
    });
    expect(planned.steps.map((s: any) => s.tier)).toEqual(['execute', 'destructive', 'read']);
  });

  it('counts only the steps that really run as running; the rest of a wide wave waits as pending', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = definePlugin({
      apiVersion: 1,
      name: 'held',
      description: 'Waits until the test lets it go.',
      tier: 'read',
      input: z.object({}),
      run: async () => {
        await gate;
        return { summary: 'released' };
      },
    });
    h = await startHarness({ plugins: [held], config: { maxParallel: 2 } });
    const planned = await h.ok('plan', {
      request: 'six at once',
      steps: Array.from({ length: 6 }, (_, i) => ({ description: `Hold ${i + 1}`, action: 'held' })),
    });
    await h.ok('approve', { taskId: planned.taskId });
    await expect.poll(async () => (await h.ok('status', { taskId: planned.taskId })).task.counts.running).toBe(2);
    const { task } = await h.ok('status', { taskId: planned.taskId });
    expect(task.counts).toMatchObject({ running: 2, pending: 4 });
    release();
    const done = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal' });
    expect(done.task.counts.completed).toBe(6);
  });

  it('answers needs_plan when the client cannot sample', async () => {
    h = await startHarness();
    const result = await h.ok('plan', { request: 'do a thing' });
    expect(result.phase).toBe('needs_plan');
    expect(result.planningPrompt).toContain('ONLY valid JSON');
    expect(result.stepSchema).toBeTypeOf('object');
  });

  it('decomposes by sampling', async () => {
    const llm = new ScriptedLlm([
      fenced([
        { description: 'Look it up', action_type: 'research', query: 'what is x', depends_on: null, tier: 'read' },
        { description: 'Say it', action_type: 'shell', command: 'echo done', depends_on: 0, tier: 1 },
      ]),
    ]);
    h = await startHarness({ llm });
    const planned = await h.ok('plan', { request: 'find x' });
    expect(planned.steps).toHaveLength(2);
    expect(planned.steps[1].dependsOn).toEqual([planned.steps[0].id]);
    // A tier that names none (1) is raised to destructive, never guessed lower.
    expect(planned.steps[1].tier).toBe('destructive');
  });

  it('rejects unknown task ids with TASK_NOT_FOUND', async () => {
    h = await startHarness();
    const result = await h.call('status', { taskId: 'nope' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('TASK_NOT_FOUND');
  });
});

describe('the shipped exec allowlist', () => {
  it('lets execute steps run build tools and rejects others at plan time', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const shipped = loadConfig([], {});
    if (!shipped.ok) throw new Error('default config invalid');
    h = await startHarness({ config: { exec: shipped.config.exec } });
    const allowed = await h.ok('plan', {
      request: 'version',
      steps: [{ description: 'Node version', action: 'execute', command: 'node --version' }],
    });
    await h.ok('approve', { taskId: allowed.taskId });
    const { task } = await h.ok('status', { taskId: allowed.taskId, waitUntil: 'terminal' });
    expect(task.steps[0].outputs.stdout).toMatch(/^v\d+\./);
    const refused = await h.call('plan', { request: 'wipe', steps: [{ description: 'Wipe', action: 'execute', command: 'rm -rf build' }] });
    expect(errorCode(refused)).toBe('PLAN_INVALID');
    expect(JSON.stringify(refused.structuredContent)).toContain('calls `rm` which is not on the sandbox allowlist');
  });
});
