import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, isAlive, phaseRows, start, status, step, stepRows } from './support.js';

/** Two servers on one database file, as when two editor windows each start one. */
let a: Harness | undefined;
let b: Harness | undefined;
afterEach(async () => {
  await b?.close();
  await a?.close();
  a = b = undefined;
});

describe('several servers sharing one database', () => {
  it('lets one server cancel a task the other is running: the work stops and the task stays cancelled', async () => {
    a = await startHarness();
    b = await startHarness({ db: a.db, workdir: a.dir });
    const pidFile = join(a.dir, 'sleep.pid');
    const planned = await start(a, 'sleep for an hour', [
      { description: 'Sleep for an hour', action: 'shell', command: `echo $$ > ${pidFile}; exec sleep 3600` },
      { description: 'Never reached', action: 'plan', output: 'x', depends_on: [0] },
    ]);
    let pid = 0;
    await expect
      .poll(() => {
        try {
          pid = Number(readFileSync(pidFile, 'utf8'));
        } catch {
          pid = 0;
        }
        return pid > 0;
      })
      .toBe(true);

    const cancelled = await b.ok('cancel', { taskId: planned.taskId });
    expect(cancelled.task.phase).toBe('cancelled');

    // The running server notices within its sync interval, adopts the cancel and kills the child.
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
    await expect.poll(async () => (await status(a as Harness, planned.taskId)).phase, { timeout: 10_000 }).toBe('cancelled');
    const task = await finished(a, planned.taskId);
    expect(step(task, 's1').state).toBe('cancelled');
    expect(step(task, 's2').state).toBe('cancelled');
    expect(phaseRows(a.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'cancelled']);
    expect(stepRows(a.db, planned.taskId).map((r) => r.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('lets only one server start a plan both try to approve', async () => {
    a = await startHarness();
    b = await startHarness({ db: a.db, workdir: a.dir });
    const planned = await a.ok('plan', { request: 'once', steps: [{ description: 'Say once', action: 'plan', output: 'once' }] });
    const first = await a.call('approve', { taskId: planned.taskId });
    const second = await b.call('approve', { taskId: planned.taskId });
    expect(first.isError).toBeFalsy();
    expect(errorCode(second)).toBe('INVALID_TRANSITION');
    expect((await finished(a, planned.taskId)).phase).toBe('completed');
    expect(phaseRows(a.db, planned.taskId).filter((p) => p === 'executing')).toHaveLength(1);
  });
});
