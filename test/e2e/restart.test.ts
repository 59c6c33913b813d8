/**
 * Restarts of the real bin on one database file (run `npm run build` first). A killed server leaves
 * its running step behind; the next process finds the dead owner by pid and settles the task as
 * interrupted. A SIGTERM shuts down in order: the step is aborted and the task settled before exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // A killed server cannot kill its step's child; the test must not leave `sleep 3600` behind.
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

/** Plans and approves a task whose step `longIndex` records its pid and sleeps for an hour. */
async function startLongTask(server: SpawnedServer, drafts: Array<Record<string, unknown>>): Promise<{ taskId: string; longStep: string }> {
  const planned = await server.ok('plan', { request: 'work, then wait for an hour', steps: drafts });
  await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  const longIndex = drafts.length - 1;
  await expect
    .poll(
      async () => {
        const { task } = await server.ok('status', { taskId: planned.taskId });
        return task.steps[longIndex].state === 'running' && readPid(pidFile) !== undefined;
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBe(true);
  return { taskId: planned.taskId, longStep: planned.steps[longIndex].id };
}

const sleeper = () => ({ description: 'Wait for an hour', action: 'shell', command: `echo $$ > '${pidFile}'; exec sleep 3600` });

describe('restart on the same database', () => {
  it('settles a task whose server was SIGKILLed: finished steps kept, the running one failed as interrupted', async () => {
    const first = await start();
    const { taskId } = await startLongTask(first, [
      { description: 'Say first', action: 'shell', command: 'echo first' },
      { ...sleeper(), depends_on: [0] },
    ]);
    const sleepPid = readPid(pidFile) as number;

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // Nobody aborted the step: its child outlived the server.
    expect(processAlive(sleepPid)).toBe(true);

    const second = await start();
    const { task } = await second.ok('status', { taskId });
    expect(task.phase).toBe('failed');
    expect(task.steps[0].state).toBe('completed');
    expect(task.steps[0].outputs.stdout.trim()).toBe('first');
    expect(task.steps[1].state).toBe('failed');
    expect(task.steps[1].error).toMatch(/^Interrupted/);
    expect(task.steps[1].error).toContain('server stopped');
    expect(second.stderr()).toContain('settled tasks interrupted by an earlier stop');

    // The settled task stays settled: nothing re-runs it.
    const { task: again } = await second.ok('status', { taskId, waitUntil: 'change', timeoutSeconds: 0 });
    expect(again.steps).toEqual(task.steps);
    expect(second.errors).toEqual([]);
  });

  it('shuts down in order on SIGTERM: exit 0, the step aborted, the task settled', async () => {
    const first = await start();
    const { taskId } = await startLongTask(first, [sleeper()]);
    const sleepPid = readPid(pidFile) as number;

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('SIGTERM');
    expect(first.errors).toEqual([]);
    await expect.poll(() => processAlive(sleepPid), { timeout: 5_000 }).toBe(false);

    const second = await start();
    const { task } = await second.ok('status', { taskId });
    expect(task.phase).toBe('failed');
    expect(task.steps[0].state).toBe('failed');
    // Settled by the shutting-down server itself, not by the recovery of the next one.
    expect(task.steps[0].error).toMatch(/^Interrupted: the server shut down/);
    expect(second.stderr()).not.toContain('settled tasks interrupted by an earlier stop');
  });

  it('shuts down in order when stdin closes mid-task: exit 0 and the task settled', async () => {
    const first = await start();
    const { taskId } = await startLongTask(first, [sleeper()]);
    const sleepPid = readPid(pidFile) as number;

    await first.client.close();
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('stdin closed');
    await expect.poll(() => processAlive(sleepPid), { timeout: 5_000 }).toBe(false);

    const second = await start();
    const { task } = await second.ok('status', { taskId });
    expect(task.phase).toBe('failed');
    expect(task.steps[0].error).toMatch(/^Interrupted: the server shut down/);
  });
});
