/**
 * One owner per task across processes: approvals of the same plans reach two servers on one
 * database at the same instant (raw JSON-RPC lines written to both stdins in one go, no client
 * awaiting another); each task starts exactly once. Run `npm run build` first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnBin, type RawBin } from '../helpers/bin.js';

const TASKS = 200;

interface Reply {
  id: number;
  result?: { isError?: boolean; structuredContent?: Record<string, any> };
  error?: unknown;
}

/** Newline-delimited JSON-RPC over a spawned bin's stdio, with nothing in between. */
class RawRpc {
  readonly #bin: RawBin;
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #buffer = '';
  #nextId = 1;

  constructor(bin: RawBin) {
    this.#bin = bin;
    bin.child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        const message = JSON.parse(line) as Reply;
        if (typeof message.id === 'number') this.#waiting.get(message.id)?.(message);
      }
    });
  }

  /** The line of a request, and the promise of its reply (written later, by the caller). */
  prepare(method: string, params: Record<string, unknown>): { line: string; reply: Promise<Reply> } {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve) => this.#waiting.set(id, resolve));
    return { line: `${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`, reply };
  }

  write(text: string): void {
    this.#bin.child.stdin.write(text);
  }

  async request(method: string, params: Record<string, unknown>): Promise<Reply> {
    const { line, reply } = this.prepare(method, params);
    this.write(line);
    return reply;
  }

  async initialize(): Promise<void> {
    await this.request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-race', version: '1' } });
    this.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  }
}

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-race-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('approvals racing on two servers', () => {
  it(`starts each of ${TASKS} tasks exactly once when both servers get every approval at the same instant`, async () => {
    const db = join(dir, 'state.db');
    const marks = join(dir, 'marks.txt');
    const a = new RawRpc(spawnBin(['--db', db], { cwd: dir }, cleanups));
    const b = new RawRpc(spawnBin(['--db', db], { cwd: dir }, cleanups));
    await Promise.all([a.initialize(), b.initialize()]);

    const plans = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        a.request('tools/call', {
          name: 'plan',
          arguments: {
            request: `race ${i}`,
            steps: [{ description: `Mark ${i}`, action: 'shell', command: `echo task-${i} >> '${marks}'` }],
          },
        }),
      ),
    );
    const taskIds = plans.map((reply) => reply.result?.structuredContent?.['taskId'] as string);
    expect(new Set(taskIds).size).toBe(TASKS);

    // Every approval to both servers, each server's batch written in one go, both in the same tick.
    const approvals = (rpc: RawRpc) => taskIds.map((taskId) => rpc.prepare('tools/call', { name: 'approve', arguments: { taskId } }));
    const toA = approvals(a);
    const toB = approvals(b);
    a.write(toA.map((r) => r.line).join(''));
    b.write(toB.map((r) => r.line).join(''));
    const [fromA, fromB] = await Promise.all([Promise.all(toA.map((r) => r.reply)), Promise.all(toB.map((r) => r.reply))]);

    // Exactly one of the two approvals of each task succeeded; the other was refused.
    const winners = taskIds.map((_, i) => [fromA[i], fromB[i]].filter((reply) => reply?.result && !reply.result.isError).length);
    expect(winners.every((n) => n === 1)).toBe(true);
    const refusals = [...fromA, ...fromB].filter((reply) => reply.result?.isError);
    expect(refusals).toHaveLength(TASKS);
    expect(refusals.every((reply) => reply.result?.structuredContent?.['error']?.code === 'INVALID_TRANSITION')).toBe(true);

    const conn = new Database(db, { readonly: true });
    cleanups.push(async () => conn.close());
    await expect
      .poll(() => (conn.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE phase = 'completed'`).get() as { n: number }).n, {
        timeout: 120_000,
        interval: 250,
      })
      .toBe(TASKS);
    const executing = conn
      .prepare(`SELECT task_id, COUNT(*) AS n FROM task_states WHERE state = 'executing' GROUP BY task_id`)
      .all() as Array<{ n: number }>;
    expect(executing).toHaveLength(TASKS);
    expect(executing.every((row) => row.n === 1)).toBe(true);
    // Each step ran once: one marker line per task.
    const lines = readFileSync(marks, 'utf8').split('\n').filter(Boolean).sort();
    expect(lines).toEqual(Array.from({ length: TASKS }, (_, i) => `task-${i}`).sort());
  });
});
