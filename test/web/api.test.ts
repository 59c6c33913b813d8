/**
 * The web view's JSON API over the real server: the task list and its phase filters, the task
 * view with capped outputs, the audit, the event stream, and each decision with its error codes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openEvents, send, signIn, startWebServer, type Reply, type WebServer } from './support.js';

let server: WebServer | undefined;
let cookie = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<WebServer> {
  server = await startWebServer();
  cookie = await signIn(server);
  return server;
}

const get = (path: string): Promise<Reply> => send(server!.base, 'GET', path, { Cookie: cookie });
const post = (path: string, body?: unknown): Promise<Reply> =>
  send(
    server!.base,
    'POST',
    path,
    { Cookie: cookie, Origin: server!.base, 'Content-Type': 'application/json' },
    body === undefined ? '' : JSON.stringify(body),
  );

const quick = [{ description: 'say hi', action: 'plan', output: 'hi' }];

async function phaseOf(taskId: string): Promise<string> {
  return (await get(`/api/tasks/${taskId}`)).json.phase as string;
}

describe('GET /api/tasks', () => {
  it('lists newest first and filters by phase group', async () => {
    await start();
    const waiting = await server!.plan('first', quick);
    const rejected = await server!.plan('second', quick);
    expect((await post(`/api/tasks/${rejected.taskId}/reject`, { comment: 'no' })).status).toBe(200);
    const all = await get('/api/tasks');
    expect(all.json).toMatchObject({ total: 2, limit: 50, offset: 0, phase: 'all' });
    expect(all.json.items.map((t: { id: string }) => t.id)).toEqual([rejected.taskId, waiting.taskId]);
    expect((await get('/api/tasks?phase=awaiting_approval')).json).toMatchObject({ total: 1, items: [{ id: waiting.taskId }] });
    expect((await get('/api/tasks?phase=cancelled')).json).toMatchObject({ total: 1, items: [{ id: rejected.taskId, stepCount: 1 }] });
    expect((await get('/api/tasks?phase=active')).json).toMatchObject({ total: 0, items: [] });
    expect((await get('/api/tasks?limit=1&offset=1')).json).toMatchObject({ total: 2, items: [{ id: waiting.taskId }] });
  });

  it('answers a bad query with 400 INVALID_ARGUMENT', async () => {
    await start();
    for (const query of ['phase=nonsense', 'limit=0', 'limit=1000', 'offset=-1']) {
      const reply = await get(`/api/tasks?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.json.error.code, query).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('GET /api/tasks/:id', () => {
  it('carries every step with stdout capped for the page, and the whole output per step', async () => {
    await start();
    const { taskId, planHash } = await server!.plan('count', [{ description: 'count far', action: 'shell', command: 'seq 1 20000' }]);
    expect((await post(`/api/tasks/${taskId}/approve`, { planHash })).status).toBe(200);
    await expect.poll(() => phaseOf(taskId), { timeout: 15_000 }).toBe('completed');
    const view = (await get(`/api/tasks/${taskId}`)).json;
    expect(view).toMatchObject({ id: taskId, planHash, phase: 'completed', workdir: server!.dir, stepsTotal: 1 });
    const outputs = view.steps[0].outputs;
    expect(outputs.stdoutChars).toBe(108_894);
    expect(outputs.stdout.length).toBeLessThanOrEqual(8_001);
    const full = (await get(`/api/tasks/${taskId}/steps/s1`)).json;
    expect(full.outputs.stdout.length).toBe(108_894);
    expect(full.outputs.stdout.trimEnd().endsWith('\n20000')).toBe(true);
  });

  it('answers an unknown task or step with 404 and the engine code', async () => {
    await start();
    const { taskId } = await server!.plan('x', quick);
    const task = await get('/api/tasks/no-such-task');
    expect(task.status).toBe(404);
    expect(task.json.error).toMatchObject({ code: 'TASK_NOT_FOUND', hint: 'No task has that id.' });
    expect((await get('/api/tasks/no-such-task/audit')).json.error.code).toBe('TASK_NOT_FOUND');
    const step = await get(`/api/tasks/${taskId}/steps/s9`);
    expect(step.status).toBe(404);
    expect(step.json.error.code).toBe('STEP_NOT_FOUND');
  });

  it('answers unknown routes with 404 ROUTE_NOT_FOUND and wrong methods with 405', async () => {
    await start();
    expect((await get('/api/nothing')).json.error.code).toBe('ROUTE_NOT_FOUND');
    const wrong = await send(server!.base, 'DELETE', '/api/tasks', { Cookie: cookie, Origin: server!.base });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect((await get('/api/tasks/x/approve')).status).toBe(405);
  });
});

describe('decisions', () => {
  it('approves with the plan hash, records the person and the comment, then refuses a second approval', async () => {
    await start();
    const { taskId, planHash } = await server!.plan('go', quick);
    const changed = await post(`/api/tasks/${taskId}/approve`, { planHash: 'not-the-hash' });
    expect(changed.status).toBe(409);
    expect(changed.json.error.code).toBe('PLAN_CHANGED');
    const approved = await post(`/api/tasks/${taskId}/approve`, { planHash, comment: 'looks right' });
    expect(approved.status).toBe(200);
    expect(approved.json).toEqual({ taskId, phase: 'executing' });
    await expect.poll(() => phaseOf(taskId)).toBe('completed');
    const again = await post(`/api/tasks/${taskId}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('INVALID_TRANSITION');
    const audit = (await get(`/api/tasks/${taskId}/audit`)).json;
    expect(audit.entries).toContainEqual(
      expect.objectContaining({ kind: 'plan_approved', actor: 'human', source: 'web view', comment: 'looks right' }),
    );
    expect(audit.phases.map((p: { state: string }) => p.state)).toEqual([
      'planning',
      'awaiting_approval',
      'executing',
      'reconciling',
      'completed',
    ]);
  });

  it('rejects a plan with the comment in the steps’ reason; a second reject is INVALID_TRANSITION', async () => {
    await start();
    const { taskId } = await server!.plan('no', quick);
    expect((await post(`/api/tasks/${taskId}/reject`, { comment: 'wrong folder' })).json).toEqual({ taskId, phase: 'cancelled' });
    const view = (await get(`/api/tasks/${taskId}`)).json;
    expect(view.steps[0]).toMatchObject({ state: 'cancelled', reason: 'plan rejected by a person in the web view: wrong folder' });
    expect((await post(`/api/tasks/${taskId}/reject`)).json.error.code).toBe('INVALID_TRANSITION');
    expect((await post('/api/tasks/nope/reject')).status).toBe(404);
  });

  it('cancels a running task with the reason on its steps and refuses to cancel an ended one', async () => {
    await start();
    const { taskId, planHash } = await server!.plan('wait', [{ description: 'sleep', action: 'shell', command: 'sleep 30' }]);
    await post(`/api/tasks/${taskId}/approve`, { planHash });
    await expect.poll(async () => (await get(`/api/tasks/${taskId}`)).json.steps[0].state).toBe('running');
    const cancelled = await post(`/api/tasks/${taskId}/cancel`, { reason: 'too slow' });
    expect(cancelled.json).toEqual({ taskId, phase: 'cancelled' });
    expect((await get(`/api/tasks/${taskId}`)).json.steps[0].reason).toBe('cancelled by a person in the web view: too slow');
    const ended = await post(`/api/tasks/${taskId}/cancel`);
    expect(ended.status).toBe(409);
    expect(ended.json.error.code).toBe('INVALID_TRANSITION');
  });

  it('confirms or refuses a waiting step; other answers get 400, 404 or 409', async () => {
    await start();
    const { taskId, planHash } = await server!.plan('risky', [
      { description: 'drop it', action: 'shell', command: 'echo dropped', tier: 'destructive' },
      { description: 'then this', action: 'plan', output: 'after', depends_on: [0] },
    ]);
    expect((await post(`/api/tasks/${taskId}/steps/s1`, { decision: 'approve' })).json.error.code).toBe('INVALID_TRANSITION');
    await post(`/api/tasks/${taskId}/approve`, { planHash });
    await expect.poll(async () => (await get(`/api/tasks/${taskId}`)).json.steps[0].state).toBe('awaiting_confirmation');
    const bad = await post(`/api/tasks/${taskId}/steps/s1`, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('decision') });
    const notJson = await send(
      server!.base,
      'POST',
      `/api/tasks/${taskId}/steps/s1`,
      { Cookie: cookie, Origin: server!.base, 'Content-Type': 'application/json' },
      '{',
    );
    expect(notJson.json.error.code).toBe('INVALID_ARGUMENT');
    expect((await post(`/api/tasks/${taskId}/steps/s9`, { decision: 'approve' })).json.error.code).toBe('STEP_NOT_FOUND');
    expect((await post(`/api/tasks/${taskId}/steps/s2`, { decision: 'approve' })).status).toBe(409);
    expect((await post(`/api/tasks/${taskId}/steps/s1`, { decision: 'approve' })).json).toEqual({ taskId, phase: 'executing' });
    await expect.poll(() => phaseOf(taskId)).toBe('completed');
    const audit = (await get(`/api/tasks/${taskId}/audit`)).json;
    expect(audit.entries).toContainEqual(
      expect.objectContaining({ stepId: 's1', tier: 'destructive', kind: 'step_confirmed', actor: 'human', source: 'web view' }),
    );
  });
});

describe('GET /api/events', () => {
  it('sends an event naming the task whenever a task changes', async () => {
    await start();
    const events = await openEvents(server!.base, { Cookie: cookie });
    try {
      expect(events.status).toBe(200);
      const { taskId } = await server!.plan('watched', quick);
      await expect.poll(() => events.taskIds).toContain(taskId);
      const seen = events.taskIds.length;
      await post(`/api/tasks/${taskId}/reject`);
      await expect.poll(() => events.taskIds.length).toBeGreaterThan(seen);
      expect(events.taskIds.at(-1)).toBe(taskId);
    } finally {
      events.close();
    }
  });

  it('refuses a stream without sign-in', async () => {
    await start();
    const events = await openEvents(server!.base, {});
    events.close();
    expect(events.status).toBe(401);
  });
});
