/**
 * Durable execution through the real bin (run `npm run build` first): a server SIGKILLed mid-task
 * leaves the task unfinished; the next server on the database (restarted, or already running beside
 * it) stops what the dead one left running, then resumes the task by the rules of product §8. A
 * SIGTERM or a closed stdin stops the work in order and leaves the task for the next start too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readPid, spawnServer, type SpawnedServer } from '../helpers/bin.js';

let dir: string;
let db: string;
let pidFile: string;
const servers: SpawnedServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-restart-'));
  db = join(dir, 'state.db');
  pidFile = join(dir, 'sleep.pid');
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.client.close().catch(() => {});
    await server.kill();
  }
  // If a test failed before a server reaped it, `sleep 3600` must not outlive the test.
  const orphan = readPid(pidFile);
  if (orphan !== undefined && processAlive(orphan)) {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<SpawnedServer> {
  const server = await spawnServer(['--db', db], { cwd: dir });
  servers.push(server);
  return server;
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

function phaseRows(taskId: string): string[] {
  const conn = new Database(db, { readonly: true });
  try {
    return (conn.prepare('SELECT state FROM task_states WHERE task_id = ? ORDER BY id').all(taskId) as Array<{ state: string }>).map(
      (r) => r.state,
    );
  } finally {
    conn.close();
  }
}

/** Plans and approves; resolves once the last step runs its sleep (its pid is in `pidFile`). */
async function startLongTask(server: SpawnedServer, drafts: Array<Record<string, unknown>>): Promise<string> {
  const planned = await server.ok('plan', { request: 'work, then wait', steps: drafts });
  await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  await expect.poll(() => readPid(pidFile), { timeout: 15_000, interval: 100 }).toBeDefined();
  return planned.taskId as string;
}

/** Marks, then sleeps for an hour, unless `go` exists (then it finishes at once). */
const sleeper = (marks: string, go: string) => ({
  description: 'Mark, then wait',
  action: 'shell',
  command: `echo slept >> '${marks}'; if [ -f '${go}' ]; then echo woke; else echo $$ > '${pidFile}'; exec sleep 3600; fi`,
});

describe('resume after SIGKILL', () => {
  it('restart: the orphaned sleep is stopped, the completed step is not repeated, the interrupted shell step waits for retry and then the task completes', async () => {
    const marks = join(dir, 'marks.txt');
    const go = join(dir, 'go');
    const first = await start();
    const taskId = await startLongTask(first, [
      { description: 'Say first', action: 'shell', command: `echo first >> '${marks}'` },
      { ...sleeper(marks, go), depends_on: [0] },
      { description: 'Say last', action: 'shell', command: `echo last >> '${marks}'`, depends_on: [1] },
    ]);
    const sleepPid = readPid(pidFile) as number;

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // Nobody aborted the step: its child outlived the server.
    expect(processAlive(sleepPid)).toBe(true);
    writeFileSync(go, '');

    const second = await start();
    // The restarted server stops what the dead one left running before deciding about the step.
    await expect.poll(() => processAlive(sleepPid), { timeout: 10_000 }).toBe(false);
    let waiting: any;
    await expect
      .poll(
        async () => {
          waiting = (await second.ok('status', { taskId })).task;
          return waiting.steps[1].state;
        },
        { timeout: 10_000 },
      )
      .toBe('awaiting_confirmation');
    expect(waiting.phase).toBe('executing');
    expect(waiting.steps[0].state).toBe('completed');
    expect(waiting.steps[1].reason).toBe('interrupted');
    expect(waiting.awaiting).toEqual([expect.objectContaining({ kind: 'step_interrupted', stepId: waiting.steps[1].id })]);
    expect(second.stderr()).toContain('resumed tasks left unfinished by an earlier stop');

    await second.ok('approve', { taskId, stepId: waiting.steps[1].id, decision: 'retry' });
    const { task } = await second.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    // "first" once: a completed step is never run again; "slept" twice: the human said retry.
    expect(lines(marks)).toEqual(['first', 'slept', 'slept', 'last']);
    expect(phaseRows(taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
    expect(second.errors).toEqual([]);
  });

  it('a second server on the same database adopts the task of a SIGKILLed peer without a restart', async () => {
    const done = join(dir, 'done.txt');
    const first = await start();
    const bystander = await start();
    const planned = await first.ok('plan', {
      request: 'build it',
      steps: [
        {
          description: 'Build (safe to repeat)',
          action: 'shell',
          effects: 'idempotent',
          command: `if [ -f '${pidFile}' ]; then echo built > '${done}'; else echo $$ > '${pidFile}'; exec sleep 3600; fi`,
        },
      ],
    });
    await first.ok('approve', { taskId: planned.taskId });
    await expect.poll(() => readPid(pidFile), { timeout: 15_000, interval: 100 }).toBeDefined();
    const sleepPid = readPid(pidFile) as number;
    expect((await bystander.ok('status', { taskId: planned.taskId })).task.phase).toBe('executing');

    first.child.kill('SIGKILL');
    await first.exited;
    // The bystander notices the dead owner within seconds, stops its orphan and re-runs the step.
    const { task } = await bystander.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(task.steps[0].attempt).toBe(2);
    expect(readFileSync(done, 'utf8')).toBe('built\n');
    expect(processAlive(sleepPid)).toBe(false);
    expect(bystander.stderr()).toContain('resumed an unfinished task');
  });
});

describe('orderly stops leave the task to the next start', () => {
  it('SIGTERM: exit 0, the step aborted, the task unfinished; the next start asks about the interrupted step', async () => {
    const marks = join(dir, 'marks.txt');
    const first = await start();
    const taskId = await startLongTask(first, [sleeper(marks, join(dir, 'go'))]);
    const sleepPid = readPid(pidFile) as number;

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('SIGTERM');
    expect(first.errors).toEqual([]);
    await expect.poll(() => processAlive(sleepPid), { timeout: 5_000 }).toBe(false);

    const second = await start();
    await expect
      .poll(async () => (await second.ok('status', { taskId })).task.awaiting?.[0]?.kind, { timeout: 10_000 })
      .toBe('step_interrupted');
    await second.ok('approve', { taskId, stepId: 's1', decision: 'done', comment: 'it had slept enough' });
    const { task } = await second.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(task.steps[0].summary).toMatch(/^Marked done/);
    expect(lines(marks)).toEqual(['slept']);
  });

  it('stdin closed mid-task: exit 0, the task left unfinished for the next start', async () => {
    const first = await start();
    const taskId = await startLongTask(first, [sleeper(join(dir, 'marks.txt'), join(dir, 'go'))]);
    const sleepPid = readPid(pidFile) as number;

    await first.client.close();
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('stdin closed');
    await expect.poll(() => processAlive(sleepPid), { timeout: 5_000 }).toBe(false);
    expect(phaseRows(taskId)).toEqual(['planning', 'awaiting_approval', 'executing']);

    const second = await start();
    await expect.poll(async () => (await second.ok('status', { taskId })).task.steps[0].reason, { timeout: 10_000 }).toBe('interrupted');
  });
});
