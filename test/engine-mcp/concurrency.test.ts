/**
 * `maxConcurrentSteps` bounds the steps running at once over every task of a server: each step
 * logs its start and end to a shared file, and replaying that log never finds more than the limit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { finished, start } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('maxConcurrentSteps', () => {
  it('never runs more than the limit at once over 30 steps in 5 tasks', async () => {
    const limit = 3;
    h = await startHarness({ config: { maxConcurrentSteps: limit, maxParallel: 8 } });
    const log = join(h.dir, 'running.log');
    const steps = Array.from({ length: 6 }, (_, i) => ({
      description: `Step ${i}`,
      action: 'shell',
      command: `echo start >> ${log}; sleep 0.2; echo end >> ${log}`,
    }));
    const tasks = await Promise.all(Array.from({ length: 5 }, (_, t) => start(h!, `task ${t}`, steps)));
    for (const task of tasks) expect((await finished(h, task.taskId, 40)).phase).toBe('completed');
    let running = 0;
    let most = 0;
    const events = readFileSync(log, 'utf8').trim().split('\n');
    for (const event of events) {
      running += event === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(events).toHaveLength(60);
    expect(most).toBeLessThanOrEqual(limit);
    // The limit is a bound, not a throttle to one: independent steps did run side by side.
    expect(most).toBeGreaterThan(1);
  });

  it('defaults to 8', async () => {
    h = await startHarness();
    const { loadConfig } = await import('../../src/config.js');
    const loaded = loadConfig([], {});
    expect(loaded.ok && loaded.config.maxConcurrentSteps).toBe(8);
  });
});
