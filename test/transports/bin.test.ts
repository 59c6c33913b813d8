/**
 * The real bin with `--transport http` (run `npm run build` first): `--port 0` logs the chosen port
 * on stderr and prints nothing on stdout, a non-loopback bind without a token is refused, and
 * SIGTERM shuts down in order.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readPid, spawnBin } from '../helpers/bin.js';

let dir: string;
let db: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-http-bin-'));
  db = join(dir, 'state.db');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function spawnServer(args: string[], env: Record<string, string> = {}) {
  return spawnBin(args, { cwd: dir, env }, cleanups);
}

/** The port from the server's "ready" log line. */
function loggedPort(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'orchestrate-mcp ready' && typeof entry.port === 'number') return entry.port;
  }
  return undefined;
}

describe('--transport http (real bin)', () => {
  it('logs the port it picked for --port 0, serves MCP there, prints nothing on stdout, and on SIGTERM stops its running step and exits 0', async () => {
    const server = spawnServer(['--transport', 'http', '--port', '0', '--db', db]);
    await expect.poll(() => loggedPort(server.stderr()), { timeout: 15_000 }).toBeDefined();
    const port = loggedPort(server.stderr()) as number;
    expect(port).toBeGreaterThan(0);

    const client = new Client({ name: 'bin-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['plan', 'approve', 'status', 'cancel']));
    const pidfile = join(dir, 'sleeper.pid');
    const planned = (
      await client.callTool({
        name: 'plan',
        arguments: { request: 'nap', steps: [{ description: 'Nap', action: 'shell', command: `echo $$ > ${pidfile}; exec sleep 3600` }] },
      })
    ).structuredContent as { taskId: string };
    await client.callTool({ name: 'approve', arguments: { taskId: planned.taskId } });
    await expect.poll(() => readPid(pidfile), { timeout: 10_000 }).toBeDefined();

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await client.close();
    expect(server.stderr()).toContain('shutting down');
    // The engine closed after the sessions: the running step's child was stopped, not orphaned.
    await expect.poll(() => processAlive(readPid(pidfile) as number), { timeout: 5_000 }).toBe(false);
    expect(server.stdout()).toBe('');
  });

  it('refuses to start on a non-loopback host without a token: exit 2, a clear message, nothing listening', async () => {
    const server = spawnServer(['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--db', db]);
    const exit = await server.exited;
    expect(exit.code).toBe(2);
    expect(server.stderr()).toContain('--host 0.0.0.0 is not a loopback address');
    expect(server.stderr()).toContain('--token');
    expect(server.stderr()).not.toContain('orchestrate-mcp ready');
    expect(server.stdout()).toBe('');
    expect(existsSync(db)).toBe(false);
  });

  it('starts on a non-loopback host when a token is set (ORCHESTRATE_TOKEN) and requires it', async () => {
    const server = spawnServer(['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--db', db], { ORCHESTRATE_TOKEN: 'tok-123' });
    await expect.poll(() => loggedPort(server.stderr()), { timeout: 15_000 }).toBeDefined();
    const url = `http://127.0.0.1:${loggedPort(server.stderr())}/mcp`;
    const refused = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    const client = new Client({ name: 'bin-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer tok-123' } } }),
    );
    await client.ping();
    await client.close();
    expect(server.stderr()).not.toContain('tok-123');
  });
});
