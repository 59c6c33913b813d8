import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import notify from '../../plugins/notify.js';
import type { Config } from '../../src/config.js';
import type { ActionContext } from '../../src/plugins/api.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, start, status, step, until, type TaskViewT } from '../engine-mcp/support.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface Hook {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/**
 * A real loopback HTTP endpoint. `respond` gets the 1-based request number and answers it (or
 * leaves it hanging); every request is recorded, body parsed, before `respond` runs.
 */
async function hookServer(respond: (n: number, res: ServerResponse) => void): Promise<Hook> {
  const requests: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(raw) as unknown });
      respond(requests.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/notify`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const answer = (code: number) => (_n: number, res: ServerResponse) => res.writeHead(code).end();

function notifyOptions(options: Record<string, unknown>): Partial<Config> {
  return { pluginOptions: { notify: options } };
}

function tell(message: string, extra: Record<string, unknown> = {}) {
  return { description: `Tell the user: ${message}`, action: 'notify', message, ...extra };
}

function failedStep(h: Harness, taskId: string): Promise<TaskViewT> {
  return until(h, taskId, (t) => step(t, 's1').state === 'failed');
}

function planError(result: CallToolResult): { code?: string; message: string; details?: Record<string, unknown> } {
  return (result.structuredContent as { error: { code?: string; message: string; details?: Record<string, unknown> } }).error;
}

let h: Harness | undefined;
let hook: Hook | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  await hook?.close();
  h = undefined;
  hook = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'notify-test-'));
  dirs.push(dir);
  return dir;
}

describe('notify via a webhook', () => {
  it('POSTs the note as JSON with the configured headers to the channel "default" resolves to', async () => {
    hook = await hookServer(answer(202));
    h = await startHarness({
      config: notifyOptions({
        default: 'ops',
        channels: { ops: { type: 'webhook', url: hook.url, headers: { authorization: 'Bearer t0ken', 'x-team': 'infra' } } },
      }),
    });
    const planned = await start(h, 'report', [tell('build is green', { level: 'warning' })]);
    const task = await finished(h, planned.taskId);

    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('Notified via ops: build is green');
    expect(step(task, 's1').outputs?.stdout).toBe('Delivered via ops (HTTP 202)');
    expect(hook.requests).toHaveLength(1);
    const [received] = hook.requests;
    expect(received?.body).toEqual({
      taskId: planned.taskId,
      stepId: 's1',
      channel: 'ops',
      message: 'build is green',
      level: 'warning',
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(received?.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer t0ken', 'x-team': 'infra' });
  });

  it('retries after a 5xx and succeeds on the next attempt', async () => {
    hook = await hookServer((n, res) => res.writeHead(n === 1 ? 500 : 200).end());
    h = await startHarness({ config: notifyOptions({ channels: { ops: { type: 'webhook', url: hook.url, retryDelayMs: 1 } } }) });
    const planned = await start(h, 'report', [tell('deploy done', { channel: 'ops' })]);
    const task = await finished(h, planned.taskId);

    expect(step(task, 's1').summary).toBe('Notified via ops: deploy done');
    expect(step(task, 's1').outputs?.stdout).toBe('Delivered via ops (HTTP 200)');
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests.map((r) => (r.body as { message: string }).message)).toEqual(['deploy done', 'deploy done']);
  });

  it('sends one Idempotency-Key per task and step: the same on every try and every attempt of the step, another for another step', async () => {
    hook = await hookServer((n, res) => res.writeHead(n <= 2 ? 503 : 200).end());
    h = await startHarness({
      config: notifyOptions({ channels: { ops: { type: 'webhook', url: hook.url, retries: 1, retryDelayMs: 1 } } }),
    });
    const retried = { retry: { attempts: 2, backoffSeconds: 0.01, maxBackoffSeconds: 0.01 } };
    const planned = await start(h, 'report', [
      tell('first', { channel: 'ops', ...retried }),
      tell('second', { channel: 'ops', depends_on: [0] }),
    ]);
    const task = await finished(h, planned.taskId);

    expect(task.phase).toBe('completed');
    // s1: attempt 1 tried twice (503, 503), attempt 2 delivered; s2 delivered at once.
    expect(step(task, 's1').attempt).toBe(2);
    expect(hook.requests.map((r) => (r.body as { stepId: string }).stepId)).toEqual(['s1', 's1', 's1', 's2']);
    const keys = hook.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.slice(0, 3)).toEqual([keys[0], keys[0], keys[0]]);
    expect(keys[3]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it('fails the step with "Notify delivery failed" once a silent endpoint has timed out on every attempt', async () => {
    hook = await hookServer(() => {});
    h = await startHarness({
      config: notifyOptions({ channels: { ops: { type: 'webhook', url: hook.url, timeoutSeconds: 0.2, retries: 1, retryDelayMs: 1 } } }),
    });
    const planned = await start(h, 'report', [tell('anyone there?', { channel: 'ops' })]);
    const task = await failedStep(h, planned.taskId);

    expect(step(task, 's1').error).toBe('Notify delivery failed: ops: no answer within 0.2 s (gave up after 2 attempts)');
    const server = hook;
    await expect.poll(() => server.requests.length).toBe(2);
  });

  it('does not retry a 4xx', async () => {
    hook = await hookServer(answer(404));
    h = await startHarness({
      config: notifyOptions({ channels: { ops: { type: 'webhook', url: hook.url, retries: 3, retryDelayMs: 1 } } }),
    });
    const planned = await start(h, 'report', [tell('wrong address', { channel: 'ops' })]);
    const task = await failedStep(h, planned.taskId);

    expect(step(task, 's1').error).toBe('Notify delivery failed: ops: HTTP 404 Not Found');
    expect(hook.requests).toHaveLength(1);
  });

  it('reports an unreachable endpoint as a delivery failure naming the network error', async () => {
    const gone = await hookServer(answer(200));
    await gone.close();
    h = await startHarness({
      config: notifyOptions({ channels: { ops: { type: 'webhook', url: gone.url, retries: 1, retryDelayMs: 1 } } }),
    });
    const planned = await start(h, 'report', [tell('hello?', { channel: 'ops' })]);
    const task = await failedStep(h, planned.taskId);

    expect(step(task, 's1').error).toMatch(/^Notify delivery failed: ops: fetch failed: .*ECONNREFUSED.* \(gave up after 2 attempts\)$/);
  });

  it('ends as cancelled, not failed, when the task is cancelled during a delivery', async () => {
    hook = await hookServer(() => {});
    h = await startHarness({ config: notifyOptions({ channels: { ops: { type: 'webhook', url: hook.url, timeoutSeconds: 60 } } }) });
    const planned = await start(h, 'report', [tell('slow', { channel: 'ops' })]);
    const server = hook;
    await expect.poll(() => server.requests.length).toBe(1);
    await h.ok('cancel', { taskId: planned.taskId });
    const task = await finished(h, planned.taskId);

    expect(task.phase).toBe('cancelled');
    expect(step(task, 's1').state).toBe('cancelled');
  });
});

describe('notify via a file', () => {
  it('appends one JSON line per step, creating the parent directories', async () => {
    h = await startHarness({ config: notifyOptions({ channels: { log: { type: 'file', path: 'logs/notes/notify.jsonl' } } }) });
    const planned = await start(h, 'report', [
      tell('first', { channel: 'log' }),
      { ...tell('second', { channel: 'log' }), depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);

    expect(task.phase).toBe('completed');
    expect(step(task, 's2').summary).toBe('Notified via log: second');
    const lines = readFileSync(join(h.dir, 'logs', 'notes', 'notify.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { taskId: planned.taskId, stepId: 's1', channel: 'log', message: 'first', sentAt: expect.any(String) },
      { taskId: planned.taskId, stepId: 's2', channel: 'log', message: 'second', sentAt: expect.any(String) },
    ]);
  });

  it('fails the step when the file cannot be written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
    h = await startHarness({ config: notifyOptions({ channels: { log: { type: 'file', path: join(dir, 'blocker', 'notify.jsonl') } } }) });
    const planned = await start(h, 'report', [tell('lost', { channel: 'log' })]);
    const task = await failedStep(h, planned.taskId);

    expect(step(task, 's1').error).toMatch(/^Notify delivery failed: log: E[A-Z]+: /);
  });
});

describe('notify via a command', () => {
  it('runs the configured argv with {message} filled in', async () => {
    const dir = tempDir();
    const out = join(dir, 'argv.json');
    const script = 'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))';
    h = await startHarness({
      workdir: dir,
      config: notifyOptions({
        channels: { pager: { type: 'command', command: [process.execPath, '-e', script, out, '--text', 'ALERT: {message}'] } },
      }),
    });
    const planned = await start(h, 'report', [tell('disk is full', { channel: 'pager' })]);
    const task = await finished(h, planned.taskId);

    expect(step(task, 's1').summary).toBe('Notified via pager: disk is full');
    expect(step(task, 's1').outputs?.stdout).toBe('Delivered via pager (exit 0)');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(['--text', 'ALERT: disk is full']);
  });

  it('fails the step when the command exits non-zero, quoting its stderr', async () => {
    const script = 'process.stderr.write("relay down\\n"); process.exit(4)';
    h = await startHarness({
      config: notifyOptions({ channels: { pager: { type: 'command', command: [process.execPath, '-e', script, '{message}'] } } }),
    });
    const planned = await start(h, 'report', [tell('disk is full', { channel: 'pager' })]);
    const task = await failedStep(h, planned.taskId);

    expect(step(task, 's1').error).toMatch(/^Notify delivery failed: pager: `.+` exited with code 4: relay down$/);
  });
});

describe('notify via the MCP client', () => {
  it('sends a log notification with the message and level to the connected client', async () => {
    h = await startHarness();
    const planned = await start(h, 'report', [tell('tests pass', { channel: 'mcp', level: 'warning' })]);
    const task = await finished(h, planned.taskId);

    expect(step(task, 's1').summary).toBe('Notified via mcp: tests pass');
    expect(step(task, 's1').outputs?.stdout).toBe('Delivered via mcp (client log notification)');
    const logs = h.logs;
    await expect
      .poll(() => logs.find((l) => (l.data as { event?: string }).event === 'notify'))
      .toMatchObject({ level: 'warning', data: { stepId: 's1', message: 'tests pass' } });
  });
});

describe('notify channel checks', () => {
  it('rejects an unknown channel at plan time with PLAN_INVALID, listing the configured channels', async () => {
    h = await startHarness({
      config: notifyOptions({ channels: { ops: { type: 'webhook', url: 'http://127.0.0.1:9/' }, log: { type: 'file', path: 'n.jsonl' } } }),
    });
    const result = await h.call('plan', { request: 'x', steps: [tell('hi', { channel: 'slack' })] });

    expect(errorCode(result)).toBe('PLAN_INVALID');
    const error = planError(result);
    expect(error.message).toContain('channel: unknown channel "slack". Configured channels: mcp, log, ops');
    expect(error.details).toMatchObject({ field: 'channel' });
  });

  it('rejects "default" at plan time when the configured default names no channel', async () => {
    h = await startHarness({
      config: notifyOptions({ default: 'chat', channels: { ops: { type: 'webhook', url: 'http://127.0.0.1:9/' } } }),
    });
    const result = await h.call('plan', { request: 'x', steps: [tell('hi')] });

    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect(planError(result).message).toContain(
      'channel: "default" means channel "chat" (plugins.notify.default), which is not configured',
    );
  });

  it('refuses to start with invalid options, naming the field (CONFIG_INVALID)', async () => {
    const starting = startHarness({ config: notifyOptions({ channels: { ops: { type: 'webhook', url: 'ftp://example.com/x' } } }) });
    await expect(starting).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { problems: ['plugins.notify.channels.ops.url: must be an http(s) URL'] },
    });
  });

  it('keeps a plan that names "mcp" even when other channels are configured', async () => {
    h = await startHarness({ config: notifyOptions({ channels: { ops: { type: 'webhook', url: 'http://127.0.0.1:9/' } } }) });
    const planned = await start(h, 'report', [tell('hi', { channel: 'mcp' })]);
    expect((await status(h, planned.taskId)).steps[0]?.input).toMatchObject({ channel: 'mcp' });
  });
});

describe('notify with no channel that can deliver', () => {
  function bareContext(options: Record<string, unknown> = {}): ActionContext {
    return {
      taskId: 't-1',
      stepId: 's1',
      description: 'Tell the user',
      signal: new AbortController().signal,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      llm: { available: false, complete: () => Promise.reject(new Error('no LLM')) },
      exec: () => Promise.reject(new Error('no exec in this test')),
      workdir: tmpdir(),
      options,
      deps: {},
      notify: async () => false,
      progress() {},
      budget: { remaining: () => ({}), spend: async () => {} },
      agents: { list: () => [], delegate: () => Promise.reject(new Error('no agents in this test')) },
      attempt: 1,
      idempotencyKey: 't-1:s1',
    };
  }

  it('soft-succeeds on "default" when no client is connected, carrying the message', async () => {
    const result = await notify.run({ channel: 'default', message: 'pdftotext missing' }, bareContext());
    expect(result.summary).toBe('Notify (no external channel — included in this report): pdftotext missing');
  });

  it('soft-succeeds when the chosen channel no longer exists at run time', async () => {
    const result = await notify.run({ channel: 'default', message: 'config changed' }, bareContext({ default: 'removed', channels: {} }));
    expect(result.summary).toBe('Notify (no external channel — included in this report): config changed');
  });
});
