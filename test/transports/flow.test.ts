/**
 * The whole product over real loopback HTTP, once per transport: a client that samples plans by
 * sampling (inside the tool call), approves, answers a research step's sampling request made from
 * background execution, follows the task with a status long-poll, and cancels a sleeping step.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kinds, routedLlm } from '../engine-mcp/support.js';
import { processAlive, readPid } from '../helpers/bin.js';
import { fenced } from '../helpers/llm.js';
import { startTestHttp, type TestHttp, type TransportKind } from './support.js';

let server: TestHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each<TransportKind>(['streamable', 'sse'])('the %s transport', (kind) => {
  it('plans by sampling, runs a research step that samples in the background, long-polls status and cancels a running shell step', async () => {
    server = await startTestHttp();
    const llm = routedLlm({
      decompose: [
        fenced([
          { description: 'Look up vitest 4', action_type: 'research', query: 'vitest 4 changes', depends_on: null, tier: 'read' },
          { description: 'Note it', action_type: 'shell', command: 'echo noted', depends_on: 0, tier: 'Execute' },
        ]),
      ],
      research: ['\n\n  Vitest 4 drops the old pool options.  \nMore detail follows.'],
    });
    const client = await server.connect(kind, llm);

    const planned = await client.ok('plan', { request: 'upgrade the test suite to vitest 4' });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.steps.map((s: { action: string }) => s.action)).toEqual(['research', 'shell']);
    const approved = await client.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect(approved.phase).toBe('executing');

    const { task } = await client.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(kinds(llm)).toEqual(['decompose', 'research']);
    expect(task.steps[0]).toMatchObject({ state: 'completed', summary: 'Vitest 4 drops the old pool options.' });
    expect(task.steps[1].outputs.stdout).toContain('noted');
    // Step events from background execution reached this client too.
    await expect.poll(() => client.logs.some((l) => (l.data as { event?: string; taskId?: string }).event === 'step_completed')).toBe(true);

    const pidfile = join(server.dir, 'sleeper.pid');
    const sleeper = await client.ok('plan', {
      request: 'sleep for an hour',
      steps: [{ description: 'Sleep an hour', action: 'shell', command: `echo $$ > ${pidfile}; exec sleep 3600` }],
    });
    await client.ok('approve', { taskId: sleeper.taskId, planHash: sleeper.planHash });
    await expect.poll(() => readPid(pidfile), { timeout: 10_000 }).toBeDefined();
    const pid = readPid(pidfile) as number;
    expect(processAlive(pid)).toBe(true);

    const changed = await client.ok('status', { taskId: sleeper.taskId, waitUntil: 'change', timeoutSeconds: 1 });
    expect(changed.task.phase).toBe('executing');
    const cancelled = await client.ok('cancel', { taskId: sleeper.taskId, reason: 'enough sleep' });
    expect(cancelled.task.phase).toBe('cancelled');
    expect(cancelled.task.steps[0]).toMatchObject({ state: 'cancelled', reason: 'enough sleep' });
    await expect.poll(() => processAlive(pid), { timeout: 5_000 }).toBe(false);
  });
});
