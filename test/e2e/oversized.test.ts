/**
 * Messages over the 4 MiB limit on stdio (the real bin; `npm run build` first): a request gets a
 * coded REQUEST_TOO_LARGE answer and the server goes on serving, with only JSON-RPC on stdout and
 * a warning on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nonJsonLines, spawnBin, spawnServer, type SpawnedServer } from '../helpers/bin.js';

const MiB = 1024 * 1024;
let dir: string;
let server: SpawnedServer | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-oversized-'));
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function warnings(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === 40);
}

describe('oversized messages on stdio (real bin)', () => {
  it('answers an oversized tools/call with REQUEST_TOO_LARGE, other requests with -32600, and keeps serving', async () => {
    server = await spawnServer(['--db', join(dir, 'state.db')], { cwd: dir });
    // The SDK client writes the id last, after the 5 MiB of params.
    const steps = Array.from({ length: 5 }, (_, i) => ({ description: `Step ${i}`, action: 'plan', output: 'o'.repeat(MiB) }));
    const result: CallToolResult = await server.call('plan', { request: 'far too big', steps });
    expect(result.isError).toBe(true);
    type Coded = { error: { code: string; hint: string; details: { bytes: number; limit: number } } };
    const { error } = result.structuredContent as Coded;
    expect(error).toMatchObject({ code: 'REQUEST_TOO_LARGE', details: { limit: 4 * MiB } });
    expect(error.details.bytes).toBeGreaterThan(5 * MiB);
    expect(error.hint).toContain('split a big plan');
    expect((result.content[0] as { text: string }).text).toContain('REQUEST_TOO_LARGE');

    const refused = await server.client.getPrompt({ name: 'plan_request', arguments: { request: 'r'.repeat(5 * MiB) } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(McpError);
    expect(refused).toMatchObject({ code: -32600, data: { code: 'REQUEST_TOO_LARGE' } });

    // An oversized notification gets no answer at all.
    await server.client.notification({ method: 'notifications/cancelled', params: { requestId: 99, reason: 'x'.repeat(5 * MiB) } });

    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name)).toContain('plan');
    const planned = await server.ok('plan', { request: 'small', steps: [{ description: 'One step', action: 'plan', output: 'o' }] });
    expect(planned.phase).toBe('awaiting_approval');

    expect(server.child.exitCode).toBeNull();
    expect(nonJsonLines(server.stdout())).toEqual([]);
    expect(server.errors).toEqual([]);
    const refusedLogs = warnings(server.stderr()).filter((w) => String(w.msg).includes('over the size limit'));
    expect(refusedLogs.map((w) => w.method)).toEqual(['tools/call', 'prompts/get', 'notifications/cancelled']);
  });

  it('finds the id wherever it stands, fails a server request whose response is oversized, answers a non-JSON line with a parse error', async () => {
    const bin = spawnBin(['--db', join(dir, 'state.db')], { cwd: dir }, cleanups);
    const send = (line: string): void => {
      bin.child.stdin.write(`${line}\n`);
    };
    const replies = (): Array<Record<string, any>> =>
      bin
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, any>);
    const reply = async (id: number) => {
      await expect.poll(() => replies().some((m) => m.id === id), { timeout: 10_000 }).toBe(true);
      return replies().find((m) => m.id === id) as Record<string, any>;
    };

    const clientInfo = { name: 'raw', version: '1' };
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo },
      }),
    );
    await reply(1);
    send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    // Id first, and a nested "id" inside the params that must not be taken for it.
    const huge = { steps: [{ id: 'nested', description: 'd', action: 'plan', output: 'o'.repeat(5 * MiB) }] };
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'plan', arguments: { id: 41, request: 'r', ...huge } },
      }),
    );
    expect((await reply(7)).result.structuredContent.error.code).toBe('REQUEST_TOO_LARGE');

    send('{"jsonrpc": "2.0", "id": 8, "method": "tools/li');
    await expect.poll(() => replies().some((m) => m.error?.code === -32700), { timeout: 10_000 }).toBe(true);
    expect(replies().find((m) => m.error?.code === -32700)).not.toHaveProperty('id');

    // A response to the server's own request that is too large fails that request at once.
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 10,
        method: 'tools/call',
        params: { name: 'plan', arguments: { request: 'plan by sampling' } },
      }),
    );
    await expect.poll(() => replies().some((m) => m.method === 'sampling/createMessage'), { timeout: 10_000 }).toBe(true);
    const sampling = replies().find((m) => m.method === 'sampling/createMessage') as Record<string, any>;
    const answer = { role: 'assistant', model: 'm', content: { type: 'text', text: 'x'.repeat(5 * MiB) } };
    send(JSON.stringify({ jsonrpc: '2.0', id: sampling.id, result: answer }));
    const planned = (await reply(10)).result;
    expect(planned.isError).toBe(true);
    expect(planned.structuredContent.error.code).toBe('SAMPLING_FAILED');
    expect(planned.structuredContent.error.message).toContain(`at most ${4 * MiB} bytes`);

    send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }));
    expect((await reply(9)).result.tools.length).toBeGreaterThan(0);
    expect(nonJsonLines(bin.stdout())).toEqual([]);

    // stdin EOF still ends the server.
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(0);
  });
});
