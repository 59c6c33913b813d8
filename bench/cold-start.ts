/**
 * Cold start: spawn → initialize → tools/list answered, over stdio, for the real server and for a
 * bare SDK server with four trivial tools, alternating in the same run. Prints medians, and what a
 * TypeScript plugin folder (loaded through tsx) adds to the real server's start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.COLD_START_RUNS ?? 15);
const TS_PLUGIN = join(root, 'test', 'fixtures', 'plugins', 'ts-two-files');

const BARE_SERVER = `
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
const mcp = new McpServer({ name: 'bare', version: '1.0.0' });
for (const name of ['a', 'b', 'c', 'd']) {
  mcp.registerTool(name, { description: name, inputSchema: { x: z.string() } }, async () => ({ content: [] }));
}
await mcp.connect(new StdioServerTransport());
`;

function once(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line) as { id?: number };
        if (message.id === 1) {
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
        }
        if (message.id === 2) {
          const elapsed = performance.now() - started;
          child.kill('SIGKILL');
          done(elapsed);
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.on('error', fail);
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
      })}\n`,
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-cold-'));
try {
  const bare = join(root, 'dist', 'bench', 'bare-server.mjs');
  writeFileSync(bare, BARE_SERVER);
  const ours: number[] = [];
  const theirs: number[] = [];
  const withTs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const server = [join(root, 'bin', 'orchestrate-mcp.js'), '--db', join(dir, `cold-${i}.db`), '--log-level', 'silent'];
    ours.push(await once(server));
    theirs.push(await once([bare]));
    withTs.push(await once([...server, '--plugins', TS_PLUGIN]));
  }
  const a = median(ours);
  const b = median(theirs);
  const t = median(withTs);
  process.stdout.write(
    `cold start (spawn → tools/list), median of ${RUNS}: orchestrate-mcp ${a.toFixed(0)} ms, bare SDK server ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)} (goal ≤ 1.0, aim ≤ 0.8)\n` +
      `  with a two-file TypeScript plugin (tsx): ${t.toFixed(0)} ms, +${(t - a).toFixed(0)} ms\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
