/**
 * Several clients on one database share its runner: each sees the other's tasks, and a cancel from
 * one stops the step another one started (run `npm run build` first).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readPid } from '../helpers/bin.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('clients sharing a runner', () => {
  it('see each other’s tasks, and B’s cancel stops A’s running step within a second', async () => {
    const pidFile = join(sandbox.dir, 'sleep.pid');
    const a = await sandbox.connect();
    const b = await sandbox.connect();
    const fromA = await a.ok('plan', {
      request: 'wait for a long time',
      steps: [{ description: 'Wait', action: 'shell', command: `echo $$ > '${pidFile}'; exec sleep 60` }],
    });
    await a.ok('approve', { taskId: fromA.taskId, planHash: fromA.planHash });
    const fromB = await b.ok('plan', { request: 'say hi', steps: [{ description: 'Say hi', action: 'shell', command: 'echo hi' }] });

    const seenByB = await b.ok('status', {});
    const seenByA = await a.ok('status', {});
    for (const listing of [seenByA, seenByB]) {
      expect(listing.tasks.map((t: { id: string }) => t.id).sort()).toEqual([fromA.taskId, fromB.taskId].sort());
    }

    await expect.poll(() => readPid(pidFile), { timeout: 15_000 }).toBeTypeOf('number');
    const sleepPid = readPid(pidFile) as number;
    expect(processAlive(sleepPid)).toBe(true);
    const cancelled = await b.ok('cancel', { taskId: fromA.taskId });
    expect(cancelled.task.phase).toBe('cancelled');
    await expect.poll(() => processAlive(sleepPid), { timeout: 1_000, interval: 20 }).toBe(false);
    const { task } = await a.ok('status', { taskId: fromA.taskId });
    expect(task.phase).toBe('cancelled');
    expect(await sandbox.oneRunner()).toBeTypeOf('number');
  });
});
