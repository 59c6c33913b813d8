/**
 * Server→client requests from background execution over HTTP never hang: they reach the task's
 * client on its open stream, fail fast with SAMPLING_UNAVAILABLE when it has none, and move to
 * another open session when the approving one has closed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kinds, routedLlm } from '../engine-mcp/support.js';
import { rawSession, startTestHttp, type TestHttp } from './support.js';

let server: TestHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface StepView {
  id: string;
  state: string;
  summary?: string;
  error?: string;
}

describe('background sampling over HTTP', () => {
  it('fails a research step with SAMPLING_UNAVAILABLE when the client never opened its GET stream', async () => {
    server = await startTestHttp();
    const raw = await rawSession(server.base, { sampling: {} });
    const planned = await raw.request('tools/call', {
      name: 'plan',
      arguments: { request: 'look something up', steps: [{ description: 'Look it up', action: 'research', query: 'what changed?' }] },
    });
    const taskId = planned.result.structuredContent.taskId as string;
    const approved = await raw.request('tools/call', { name: 'approve', arguments: { taskId } });
    expect(approved.result.isError).toBeFalsy();

    let research: StepView | undefined;
    await expect
      .poll(
        async () => {
          const status = await raw.request('tools/call', { name: 'status', arguments: { taskId } });
          research = (status.result.structuredContent.task.steps as StepView[])[0];
          return research?.state;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe('failed');
    expect(research?.error).toMatch(/LLM research failed: .*SAMPLING_UNAVAILABLE/);
    await raw.close();
  });

  it('fails a pending sampling request with SAMPLING_UNAVAILABLE when the client vanishes without ending its session', async () => {
    server = await startTestHttp();
    const llm = routedLlm({ research: [() => new Promise<string>(() => {})] });
    const approver = await server.connect('streamable', llm);
    const planned = await approver.ok('plan', {
      request: 'ask and vanish',
      steps: [{ description: 'Look it up', action: 'research', query: 'anything' }],
    });
    await approver.ok('approve', { taskId: planned.taskId });
    await expect.poll(() => llm.requests.length).toBe(1);
    // No DELETE: the session stays on the server, but its GET stream is gone for good.
    await approver.client.close();
    const watcher = await server.connect('sse');
    const { task } = await watcher.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.steps[0].state).toBe('failed');
    expect(task.steps[0].error).toMatch(/LLM research failed: .*SAMPLING_UNAVAILABLE/);
  });

  it('moves a task whose approving session closed to another open session, whose client then samples for it', async () => {
    server = await startTestHttp();
    const approverLlm = routedLlm({});
    const otherLlm = routedLlm({ research: ['Vitest 4 needs Node 20.'] });
    const approver = await server.connect('streamable', approverLlm);
    const other = await server.connect('sse', otherLlm);
    const go = join(server.dir, 'go');
    const planned = await approver.ok('plan', {
      request: 'wait, then research',
      steps: [
        { description: 'Wait for the go signal', action: 'shell', command: `while [ ! -f ${go} ]; do sleep 0.05; done` },
        { description: 'Look up vitest 4', action: 'research', query: 'vitest 4 requirements', depends_on: [0] },
      ],
    });
    await approver.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await approver.leave();
    await expect.poll(() => server?.app.engine.sessions.size).toBe(1);

    writeFileSync(go, '');
    const { task } = await other.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(task.steps[1]).toMatchObject({ state: 'completed', summary: 'Vitest 4 needs Node 20.' });
    expect(kinds(otherLlm)).toEqual(['research']);
    expect(approverLlm.requests).toEqual([]);
    // The task's step events follow it too.
    expect(other.logs.some((l) => (l.data as { event?: string; stepId?: string }).event === 'step_completed')).toBe(true);
  });

  it('waits, visibly, for a client that samples once the approving session has closed, then fails with SAMPLING_UNAVAILABLE after resume.clientWaitSeconds', async () => {
    server = await startTestHttp({ clientWaitTimeoutMs: 1500 });
    const approver = await server.connect('streamable', routedLlm({}));
    const bystander = await server.connect('sse');
    const go = join(server.dir, 'go');
    const planned = await approver.ok('plan', {
      request: 'wait, then research',
      steps: [
        { description: 'Wait for the go signal', action: 'shell', command: `while [ ! -f ${go} ]; do sleep 0.05; done` },
        { description: 'Look it up', action: 'research', query: 'anything', depends_on: [0] },
      ],
    });
    await approver.ok('approve', { taskId: planned.taskId });
    await approver.leave();
    writeFileSync(go, '');
    await expect
      .poll(async () => {
        const { task } = await bystander.ok('status', { taskId: planned.taskId });
        return (task.awaiting ?? []).map((a: { kind: string; needs?: string }) => `${a.kind}:${a.needs}`);
      })
      .toEqual(['client:sampling']);
    const { task } = await bystander.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.steps[1].state).toBe('failed');
    expect(task.steps[1].error).toMatch(/LLM research failed: .*SAMPLING_UNAVAILABLE/);
  });
});

describe('idle sessions', () => {
  it('closes a session idle longer than http.sessionIdleSeconds; its id is then unknown (404)', async () => {
    server = await startTestHttp({ http: { allowedOrigins: [], allowedHosts: [], sessionIdleMs: 300 } });
    const raw = await rawSession(server.base, {});
    expect(server.app.engine.sessions.size).toBe(1);
    const ping = () =>
      fetch(`${server?.base}/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': raw.sessionId },
        body: '{"jsonrpc":"2.0","id":9,"method":"ping"}',
      }).then(async (r) => (await r.text(), r.status));
    await expect.poll(ping, { timeout: 5_000, interval: 400 }).toBe(404);
    expect(server.app.engine.sessions.size).toBe(0);
  });
});
