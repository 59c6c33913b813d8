/**
 * How fast a client learns of another client's task: two MCP clients share one database through
 * the background runner; A approves one-step tasks whose step waits for a signal file (checked
 * every 5 ms); B long-polls `status { waitUntil: "change" }`. Prints the median and worst time from
 * writing the signal to B's answer (the step's own 5 ms polling included). Goal: ≤ 100 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { median } from './stdio-timing.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'orchestrate-mcp.js');
const ROUNDS = Number(process.env.WAKE_ROUNDS ?? 20);

const dir = mkdtempSync(join(tmpdir(), 'orch-wake-'));
const db = join(dir, 'state.db');
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  XDG_RUNTIME_DIR: join(dir, 'run'),
  XDG_STATE_HOME: join(dir, 'state'),
};
delete env.ORCHESTRATE_INLINE;
mkdirSync(join(dir, 'run'));

async function connect(): Promise<{ call(name: string, args: Record<string, unknown>): Promise<any>; close(): Promise<void> }> {
  const client = new Client({ name: 'wake-bench', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [bin, '--db', db, '--log-level', 'silent'], env, cwd: dir }),
  );
  return {
    async call(name, args) {
      const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
      if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
      return result.structuredContent;
    },
    close: () => client.close(),
  };
}

try {
  const a = await connect();
  const b = await connect();
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const go = join(dir, `go-${round}`);
    const planned = await a.call('plan', {
      request: `wait for signal ${round}`,
      steps: [{ description: 'Wait for the signal', action: 'shell', command: `while [ ! -f '${go}' ]; do sleep 0.005; done` }],
    });
    await a.call('approve', { taskId: planned.taskId });
    // Until the step is running and its process recorded, changes are not the one measured.
    for (;;) {
      const { task } = await b.call('status', { taskId: planned.taskId });
      if (task.steps[0].state === 'running') break;
    }
    await new Promise((r) => setTimeout(r, 200));
    const woken = b.call('status', { taskId: planned.taskId, waitUntil: 'change', timeoutSeconds: 30 });
    await new Promise((r) => setTimeout(r, 50));
    const signalled = performance.now();
    writeFileSync(go, '');
    const { task } = await woken;
    times.push(performance.now() - signalled);
    if (task.steps[0].state !== 'completed') process.stderr.write(`round ${round}: woke with the step ${task.steps[0].state}\n`);
  }
  await a.close();
  await b.close();
  const sorted = [...times].sort((x, y) => x - y);
  process.stdout.write(
    `client B wakes on a step of client A's task (through the runner), ${ROUNDS} rounds:\n` +
      `  median ${median(times).toFixed(0)} ms, worst ${(sorted.at(-1) ?? 0).toFixed(0)} ms   goal ≤ 100 ms\n`,
  );
} finally {
  spawnSync(process.execPath, [bin, 'runner', 'stop', '--db', db], { env, stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
