/**
 * The commands beside a running server: they read the database it holds open and writes to, and
 * after the server is killed `doctor` finds the task it left executing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readPid, type SpawnedServer } from '../helpers/bin.js';
import { cli, cliJson, planTask, startServer } from './support.js';

let dir: string;
let db: string;
let pidFile: string;
let server: SpawnedServer | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-live-'));
  db = join(dir, 'state.db');
  pidFile = join(dir, 'sleep.pid');
});
afterEach(async () => {
  if (server) {
    await server.client.close().catch(() => {});
    await server.kill();
    server = undefined;
  }
  // A killed server cannot stop its step's command.
  const orphan = readPid(pidFile);
  if (orphan !== undefined && processAlive(orphan)) process.kill(orphan, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A task whose second step records its pid and sleeps, and is running now. */
async function startLongTask(running: SpawnedServer): Promise<string> {
  const { taskId } = await planTask(running, 'Build, then wait', [
    { description: 'Build', action: 'shell', command: 'echo built' },
    { description: 'Wait a while', action: 'shell', command: `echo $$ > '${pidFile}'; exec sleep 60`, depends_on: [0] },
  ]);
  await expect.poll(() => readPid(pidFile), { timeout: 15_000, interval: 100 }).toBeDefined();
  return taskId;
}

describe('while a server runs on the database', () => {
  it('tasks, show and doctor read it without waiting for the server or disturbing it', async () => {
    server = await startServer(dir, db);
    const taskId = await startLongTask(server);

    const listed = await cliJson(['tasks', '--db', db], { cwd: dir });
    expect(listed.tasks[0]).toMatchObject({ id: taskId, phase: 'executing', steps: { completed: 1, running: 1, total: 2 } });

    const shown = await cli(['show', taskId, '--db', db], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Phase: +executing\n/);
    expect(shown.stdout).toContain('  L1  [#1 ✓ shell]\n       │\n  L2  [#2 … shell ← #1]');
    expect(shown.stdout).toMatch(/#2 … s2 {2}shell {2}execute {2}running {2}after #1/);
    expect(shown.stdout).toContain('Report\n  Executing: "Build, then wait" — 1 done, 1 running (of 2 steps)');

    const report = await cliJson<{ checks: Array<{ name: string; status: string; detail: string }> }>(['doctor', '--db', db], { cwd: dir });
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(check('database')).toMatchObject({ status: 'ok' });
    expect(check('tasks')?.detail).toBe('1: 1 executing');
    expect(check('stale tasks')).toMatchObject({ status: 'ok' });

    // The server went on undisturbed: the task is still followed and cancelled through it.
    await server.ok('cancel', { taskId });
    await expect
      .poll(async () => (await cliJson(['tasks', '--db', db], { cwd: dir })).tasks[0].phase, { timeout: 15_000 })
      .toBe('cancelled');
  });

  it('doctor warns about a task left executing by a killed server, and still exits 0', async () => {
    server = await startServer(dir, db);
    const taskId = await startLongTask(server);
    server.child.kill('SIGKILL');
    await server.exited;

    const result = await cli(['doctor', '--db', db], { cwd: dir, env: { PATH: dir } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`! warn +stale tasks +1 task\\(s\\) executing with no live server: ${taskId}\\n +fix: Start the server`),
    );
    const stuck = await cliJson(['tasks', '--db', db, '--phase', 'executing'], { cwd: dir });
    expect(stuck.tasks.map((t: { id: string }) => t.id)).toEqual([taskId]);
  });
});
