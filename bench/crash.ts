/**
 * Crash rounds (product §8): N times (default 100, or the first argument) start the real server
 * over stdio (--inline), plan a 6-step DAG of chains and parallel branches whose shell steps append
 * a unique marker line, approve, SIGKILL the server after a random 0–400 ms, restart it on the same
 * database, answer every "interrupted" step with retry, and wait for the task to end. Prints tasks
 * lost, side effects repeated without a human retry (marker lines counted), tasks completed and
 * `PRAGMA integrity_check` failures. Exits 1 when a task was lost, a side effect repeated by itself
 * or the database was damaged.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROUNDS = Number(process.argv[2] ?? 100);
const BIN = fileURLToPath(new URL('../../bin/orchestrate-mcp.js', import.meta.url));
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface View {
  phase: string;
  steps: Array<{ id: string; state: string }>;
  awaiting?: Array<{ kind: string; stepId?: string }>;
}

interface Server {
  client: Client;
  transport: StdioClientTransport;
  ok<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T>;
}

async function startServer(db: string, cwd: string): Promise<Server> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('ORCHESTRATE_')) env[key] = value;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--inline', '--db', db],
    cwd,
    env,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'crash-bench', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    async ok(name, args) {
      const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
      if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
      return result.structuredContent as never;
    },
  };
}

/** s1 → s2, s3 (parallel) → s4; s1 → s5; s4, s5 → s6. Each step appends "round step attempt-pid" to the marker file. */
function dag(round: number, marks: string): Array<Record<string, unknown>> {
  const step = (n: number, after: number[]) => ({
    description: `Step ${n} of round ${round}`,
    action: 'shell',
    command: `echo "r${round} s${n} $$" >> '${marks}'; sleep 0.0${2 + (n % 4)}`,
    ...(after.length > 0 ? { depends_on: after } : {}),
  });
  return [step(1, []), step(2, [0]), step(3, [0]), step(4, [1, 2]), step(5, [0]), step(6, [3, 4])];
}

function kill(server: Server): void {
  const pid = server.transport.pid;
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-crash-'));
const db = join(dir, 'state.db');
const marks = join(dir, 'marks.txt');
const figures = { lost: 0, repeated: 0, completed: 0, failed: 0, terminal: 0, integrity: 0, retries: 0, interrupted: 0 };
const started = performance.now();
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    const first = await startServer(db, dir);
    const planned = await first.ok<{ taskId: string; planHash: string }>('plan', {
      request: `crash round ${round}`,
      steps: dag(round, marks),
    });
    await first.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
    kill(first);
    await first.client.close().catch(() => {});

    const second = await startServer(db, dir);
    const retried = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    let view: View | undefined;
    while (Date.now() < deadline) {
      view = (await second.ok<{ task: View }>('status', { taskId: planned.taskId })).task;
      if (TERMINAL.has(view.phase)) break;
      for (const wait of view.awaiting ?? []) {
        if (wait.kind !== 'step_interrupted' || wait.stepId === undefined) continue;
        figures.interrupted += 1;
        await second.ok('approve', { taskId: planned.taskId, stepId: wait.stepId, decision: 'retry' });
        retried.set(wait.stepId, (retried.get(wait.stepId) ?? 0) + 1);
        figures.retries += 1;
      }
      await second.ok('status', { taskId: planned.taskId, waitUntil: 'change', timeoutSeconds: 2 });
    }
    kill(second);
    await second.client.close().catch(() => {});

    if (!view || !TERMINAL.has(view.phase)) figures.lost += 1;
    else {
      figures.terminal += 1;
      if (view.phase === 'completed') figures.completed += 1;
      else figures.failed += 1;
    }
    // A step may have run once more for each retry a person gave it; more is a repeat nobody asked for.
    const lines = existsSync(marks) ? readFileSync(marks, 'utf8').split('\n') : [];
    for (let n = 1; n <= 6; n += 1) {
      const runs = lines.filter((line) => line.startsWith(`r${round} s${n} `)).length;
      if (runs > 1 + (retried.get(`s${n}`) ?? 0)) figures.repeated += runs - 1 - (retried.get(`s${n}`) ?? 0);
    }
    const conn = new Database(db);
    const check = conn.pragma('integrity_check', { simple: true });
    conn.close();
    if (check !== 'ok') figures.integrity += 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const pct = (n: number) => `${((100 * n) / ROUNDS).toFixed(0)} %`;
  process.stdout.write(
    `crash rounds: ${ROUNDS} (SIGKILL 0–400 ms after approve, restart, retry interrupted steps) in ${seconds} s\n` +
      `  tasks lost: ${figures.lost}\n` +
      `  side effects repeated without a retry: ${figures.repeated}\n` +
      `  integrity_check failures: ${figures.integrity}\n` +
      `  tasks terminal: ${figures.terminal} (${pct(figures.terminal)}); completed: ${figures.completed} (${pct(figures.completed)}); failed: ${figures.failed}\n` +
      `  interrupted steps answered with retry: ${figures.retries}\n`,
  );
  if (figures.lost > 0 || figures.repeated > 0 || figures.integrity > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
