/**
 * The real bin over stdio (run `npm run build` first: the bin loads dist/). stdout must carry only
 * JSON-RPC, logs go to stderr, the process ends when stdin closes, and bad flags exit 2.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, binEnv, nonJsonLines, spawnBin } from '../helpers/bin.js';

let dir: string;
let db: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-e2e-'));
  db = join(dir, 'state.db');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const spawnRaw = (args: string[]) => spawnBin(args, { cwd: dir }, cleanups);

describe('stdio transport (real bin)', () => {
  it('runs plan → approve → status to completed with only JSON-RPC on stdout and logs on stderr', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--db', db],
      env: binEnv({ ORCHESTRATE_LOG_LEVEL: 'info' }),
      cwd: dir,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-e2e', version: '1.0.0' });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    cleanups.push(() => client.close());
    const pid = transport.pid;
    expect(pid).toBeTypeOf('number');

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['plan', 'approve', 'status', 'cancel']);

    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      return result.structuredContent as Record<string, any>;
    };
    const planned = await call('plan', {
      request: 'print a lot, then say done',
      steps: [
        { description: 'Decide what to print', action: 'plan', output: 'numbers' },
        // ~1.3 MB on the child's stdout: it must end up in the step output, never on the server's stdout.
        { description: 'Print many lines', action: 'shell', command: 'seq 1 200000', depends_on: [0] },
        { description: 'Say done', action: 'shell', command: 'echo to-stderr >&2; echo done-marker', depends_on: [1] },
      ],
    });
    expect(planned.phase).toBe('awaiting_approval');
    const approved = await call('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect(approved.phase).toBe('executing');

    const { task } = await call('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 45 });
    expect(task.phase).toBe('completed');
    expect(task.steps.map((s: { state: string }) => s.state)).toEqual(['completed', 'completed', 'completed']);
    expect(task.steps[1].outputs.stdout).toMatch(/^1\n2\n3\n/);
    expect(task.steps[2].outputs.stdout).toContain('done-marker');
    expect(task.steps[2].outputs.stderr).toContain('to-stderr');

    const listed = await call('status', {});
    expect(listed.total).toBe(1);

    // Stdout hygiene: the client parsed every line the server wrote.
    expect(errors.map((e) => e.message)).toEqual([]);
    // The server's own logs (pino JSON) went to stderr, the child's output did not leak anywhere.
    const logLines = stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'orchestrate-mcp ready')).toBe(true);
    expect(stderr).not.toContain('199999');
    expect(stderr).not.toContain('done-marker');
  });

  it('exits when stdin closes, having written only JSON-RPC to stdout', async () => {
    const server = spawnRaw(['--db', db]);
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
    };
    server.child.stdin.write(`${JSON.stringify(initialize)}\n`);
    server.child.stdin.end();
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(nonJsonLines(server.stdout())).toEqual([]);
    // The request that arrived before EOF was still answered.
    expect(server.stdout()).toMatch(/"id":1\b/);
    expect(server.stderr()).toContain('stdin closed');
  });

  it('exits 2 listing every problem on stderr for invalid flags, with nothing on stdout', async () => {
    const server = spawnRaw(['--port', 'abc', '--transport', 'carrier-pigeon', '--db', db]);
    server.child.stdin.end();
    const exit = await server.exited;
    expect(exit.code).toBe(2);
    expect(server.stderr()).toContain('--port');
    expect(server.stderr()).toContain('"abc"');
    expect(server.stderr()).toContain('--transport');
    expect(server.stderr()).toContain('carrier-pigeon');
    expect(server.stdout()).toBe('');
    expect(existsSync(db)).toBe(false);
  });
});
