/**
 * `approve` and `cancel` through the real bin, on the database of a real server running beside
 * them (run `npm run build` first): each decision is stored with actor "human" and the server acts
 * on it within seconds.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readPid, spawnServer, type SpawnedServer } from '../helpers/bin.js';
import { cli, cliJson } from './support.js';

let dir: string;
let db: string;
const servers: SpawnedServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-decide-'));
  db = join(dir, 'state.db');
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.client.close().catch(() => {});
    await server.kill();
  }
  const orphan = readPid(join(dir, 'sleep.pid'));
  if (orphan !== undefined && processAlive(orphan)) process.kill(orphan, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function server(): Promise<SpawnedServer> {
  const started = await spawnServer(['--db', db], { cwd: dir });
  servers.push(started);
  return started;
}

const run = (args: string[]) => cli([...args, '--db', db], { cwd: dir });
const runJson = (args: string[]) => cliJson([...args, '--db', db], { cwd: dir });

async function plan(on: SpawnedServer, steps: Array<Record<string, unknown>>): Promise<{ taskId: string; planHash: string }> {
  const planned = await on.ok('plan', { request: 'work from the command line', steps });
  return { taskId: planned.taskId, planHash: planned.planHash };
}

async function status(on: SpawnedServer, taskId: string): Promise<any> {
  return (await on.ok('status', { taskId })).task;
}

function auditOf(taskId: string, kind: string): Array<{ actor: string; source: string | null; comment: string | null }> {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    return conn.prepare('SELECT actor, source, comment FROM audit WHERE task_id = ? AND kind = ? ORDER BY id').all(taskId, kind) as Array<{
      actor: string;
      source: string | null;
      comment: string | null;
    }>;
  } finally {
    conn.close();
  }
}

describe('approve', () => {
  it('approves a plan by a prefix of its id; the running server takes it up and runs it; the audit says a human did', async () => {
    const on = await server();
    const marker = join(dir, 'ran.txt');
    const { taskId, planHash } = await plan(on, [{ description: 'Leave a mark', action: 'shell', command: `echo ran > '${marker}'` }]);
    const result = await run(['approve', taskId.slice(0, 8), '--comment', 'looks right']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Approved the plan of task ${taskId} \\(plan ${planHash}\\)\\. `));
    expect(result.stdout).toMatch(/A server \(.+\) runs it now\.|It has already ended completed\./);
    const { task } = await on.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(auditOf(taskId, 'plan_approved')).toEqual([{ actor: 'human', source: 'command line', comment: 'looks right' }]);
  });

  it('leaves an approval for the next server when none runs, and that server runs it at start (--json)', async () => {
    const first = await server();
    const marker = join(dir, 'later.txt');
    const { taskId } = await plan(first, [{ description: 'Leave a mark', action: 'shell', command: `echo later > '${marker}'` }]);
    await first.client.close();
    await first.exited;
    const report = await runJson(['approve', taskId]);
    expect(report).toMatchObject({ taskId, decision: 'approve', phase: 'executing', runBy: null });
    expect(report.message).toContain('No server has picked it up yet');
    expect(existsSync(marker)).toBe(false);
    const second = await server();
    const { task } = await second.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(readFileSync(marker, 'utf8')).toBe('later\n');
  });

  it('rejects a plan: nothing runs, the task ends cancelled, the comment is the reason (--json)', async () => {
    const on = await server();
    const marker = join(dir, 'never.txt');
    const { taskId } = await plan(on, [{ description: 'Leave a mark', action: 'shell', command: `echo no > '${marker}'` }]);
    const report = await runJson(['approve', taskId, '--reject', '--comment', 'not today']);
    expect(report).toMatchObject({ taskId, decision: 'reject', phase: 'cancelled' });
    const task = await status(on, taskId);
    expect(task.phase).toBe('cancelled');
    expect(existsSync(marker)).toBe(false);
    expect(auditOf(taskId, 'plan_rejected')).toEqual([{ actor: 'human', source: 'command line', comment: 'not today' }]);
  });

  it('confirms a destructive step the server is waiting on, which then runs', async () => {
    const on = await server();
    const doomed = join(dir, 'doomed');
    writeFileSync(join(dir, 'keep'), '');
    const { taskId } = await plan(on, [
      { description: 'Remove the scratch folder', action: 'shell', command: `mkdir -p '${doomed}' && rm -rf '${doomed}'` },
    ]);
    await on.ok('approve', { taskId });
    await expect.poll(async () => (await status(on, taskId)).steps[0].state, { timeout: 10_000 }).toBe('awaiting_confirmation');
    const result = await run(['approve', taskId, '--step', 's1', '--comment', 'scratch only']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Answered step s1 of task ${taskId}: approve.`);
    const { task } = await on.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(auditOf(taskId, 'step_confirmed')).toEqual([expect.objectContaining({ actor: 'human', source: 'command line' })]);
  });

  it('answers a step a killed server left in flight with --decision done: the next server counts it completed and runs the rest', async () => {
    const first = await server();
    const pidFile = join(dir, 'sleep.pid');
    const marks = join(dir, 'marks.txt');
    const { taskId } = await plan(first, [
      { description: 'Mark, then wait', action: 'shell', command: `echo slept >> '${marks}'; echo $$ > '${pidFile}'; exec sleep 3600` },
      { description: 'Say last', action: 'shell', command: `echo last >> '${marks}'`, depends_on: [0] },
    ]);
    await first.ok('approve', { taskId });
    await expect.poll(() => readPid(pidFile), { timeout: 10_000 }).toBeDefined();
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await server();
    await expect.poll(async () => (await status(second, taskId)).steps[0].reason, { timeout: 10_000 }).toBe('interrupted');
    const report = await runJson(['approve', taskId, '--step', 's1', '--decision', 'done', '--comment', 'it had slept enough']);
    expect(report).toMatchObject({ taskId, stepId: 's1', decision: 'done' });
    const { task } = await second.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(readFileSync(marks, 'utf8').split('\n').filter(Boolean)).toEqual(['slept', 'last']);
  });

  it('refuses a decision the task does not wait for, with a coded error (exit 1), and bad usage (exit 2)', async () => {
    const on = await server();
    const { taskId } = await plan(on, [{ description: 'Say hi', action: 'shell', command: 'echo hi' }]);
    const wrongKind = await run(['approve', taskId, '--step', 's1', '--decision', 'retry']);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain('INVALID_TRANSITION: Step s1 is pending, not awaiting confirmation.');
    const changed = await cli(['approve', taskId, '--plan-hash', 'not-the-hash', '--db', db, '--json'], { cwd: dir });
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout).error.code).toBe('PLAN_CHANGED');
    await on.ok('approve', { taskId });
    await on.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    const again = await run(['approve', taskId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`INVALID_TRANSITION: Task ${taskId} is completed; only a task awaiting approval can be approved.`);
    const missing = await run(['approve', 'ffffffffffff']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TASK_NOT_FOUND');
    expect((await run(['approve', taskId, '--decision', 'done'])).code).toBe(2);
    expect((await run(['approve', taskId, '--step', 's1', '--decision', 'maybe'])).stderr).toContain(
      'unknown decision "maybe"; decisions: retry, done, fail',
    );
    expect((await run(['approve'])).code).toBe(2);
  });
});

describe('cancel', () => {
  it('cancels a running task: the server stops its sleeping step within a second and ends it cancelled (--json)', async () => {
    const on = await server();
    const pidFile = join(dir, 'sleep.pid');
    const { taskId } = await plan(on, [
      { description: 'Wait a long time', action: 'shell', command: `echo $$ > '${pidFile}'; exec sleep 3600` },
      { description: 'Then speak', action: 'shell', command: 'echo after', depends_on: [0] },
    ]);
    await on.ok('approve', { taskId });
    await expect.poll(() => readPid(pidFile), { timeout: 10_000 }).toBeDefined();
    const sleeper = readPid(pidFile) as number;
    const report = await runJson(['cancel', taskId, '--reason', 'wrong branch']);
    expect(report).toMatchObject({ taskId, cancelled: true, phase: 'cancelled', stopped: true });
    expect(report.runBy).toEqual(expect.any(String));
    await expect.poll(() => processAlive(sleeper), { timeout: 5_000 }).toBe(false);
    const task = await status(on, taskId);
    expect(task.phase).toBe('cancelled');
    expect(task.steps.map((s: { state: string }) => s.state)).toEqual(['cancelled', 'cancelled']);
    expect(auditOf(taskId, 'cancelled')).toEqual([{ actor: 'human', source: 'command line', comment: 'wrong branch' }]);
  });

  it('says so and changes nothing for a task that has ended; a plan awaiting approval is cancelled without running', async () => {
    const on = await server();
    const done = await plan(on, [{ description: 'Say hi', action: 'shell', command: 'echo hi' }]);
    await on.ok('approve', { taskId: done.taskId });
    await on.ok('status', { taskId: done.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    const ended = await run(['cancel', done.taskId]);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe(`Task ${done.taskId} has already ended completed; nothing to cancel.\n`);
    const waiting = await plan(on, [{ description: 'Say hi', action: 'shell', command: 'echo hi' }]);
    const result = await run(['cancel', waiting.taskId]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Cancelled task ${waiting.taskId}. No server was running it.\n`);
    expect((await status(on, waiting.taskId)).phase).toBe('cancelled');
  });
});
