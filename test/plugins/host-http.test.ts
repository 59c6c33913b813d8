/**
 * Over HTTP one server serves every user: a plugin that calls process.exit(7) in one session's task
 * fails that step with PLUGIN_CRASHED, and another session's task, running meanwhile, completes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnBin } from '../helpers/bin.js';
import { FIXTURES, quickFailConfig } from './host-support.js';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-host-http-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function readyPort(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'orchestrate-mcp ready') return entry.port;
  }
  return undefined;
}

async function session(port: number, name: string) {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  cleanups.push(() => client.close());
  const ok = async (tool: string, args: Record<string, unknown>): Promise<any> => {
    const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
    if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent;
  };
  return { ok };
}

describe('a crashing plugin over HTTP', () => {
  it('fails only its own step; another session’s task completes meanwhile', async () => {
    const args = ['--transport', 'http', '--port', '0', '--db', join(dir, 'state.db')];
    const server = spawnBin(
      [...args, '--plugins', join(FIXTURES, 'host-faults'), '--config', quickFailConfig(dir)],
      { cwd: dir },
      cleanups,
    );
    await expect.poll(() => readyPort(server.stderr()), { timeout: 15_000 }).toBeDefined();
    const port = readyPort(server.stderr()) as number;
    const alice = await session(port, 'alice');
    const bob = await session(port, 'bob');

    const gate = join(dir, 'go');
    const started = join(dir, 'started');
    const waiting = await bob.ok('plan', {
      request: 'wait for the gate',
      steps: [
        { description: 'Wait', action: 'shell', command: `touch ${started}; while [ ! -f ${gate} ]; do sleep 0.05; done; echo through` },
      ],
    });
    await bob.ok('approve', { taskId: waiting.taskId, planHash: waiting.planHash });
    await expect.poll(() => existsSync(started), { timeout: 10_000 }).toBe(true);

    const exiting = await alice.ok('plan', { request: 'exit', steps: [{ description: 'Exit', action: 'exit_seven' }] });
    await alice.ok('approve', { taskId: exiting.taskId, planHash: exiting.planHash });
    const crashed = (await alice.ok('status', { taskId: exiting.taskId, waitUntil: 'terminal', timeoutSeconds: 30 })).task;
    expect(crashed.phase).toBe('failed');
    expect(crashed.steps[0].error).toMatch(/^PLUGIN_CRASHED: plugin host for exit_seven .* exited with code 7 while running step s1$/);

    writeFileSync(gate, '');
    const through = (await bob.ok('status', { taskId: waiting.taskId, waitUntil: 'terminal', timeoutSeconds: 30 })).task;
    expect(through.phase).toBe('completed');
    expect(through.steps[0].outputs.stdout).toContain('through');
    expect(server.child.exitCode).toBeNull();
    expect(server.stdout()).toBe('');
  });
});
