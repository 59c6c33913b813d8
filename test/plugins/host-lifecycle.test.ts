/**
 * The life of a plugin host: a memory limit that ends it, a cancelled step whose plugin ignores its
 * signal (the host and what it started are killed at once; a fresh host serves the next step), the
 * limits.timeoutSeconds of a step, a plugin turned off after repeated crashes, and no host left
 * running once the app is closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { processAlive } from '../helpers/bin.js';
import { finished, start, status, step, until } from '../engine-mcp/support.js';
import { FIXTURES, anyAlive, hosted, pidsOf } from './host-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(folder: string, pluginOptions: Record<string, Record<string, unknown>> = {}): Promise<Harness> {
  h = await startHarness({ plugins: await hosted(folder, pluginOptions), config: { pluginOptions, hostReplanTimeoutMs: 100 } });
  return h;
}

async function runOne(harness: Harness, action: string, input: Record<string, unknown> = {}) {
  const planned = await start(harness, `run ${action}`, [{ description: `Run ${action}`, action, ...input }]);
  return finished(harness, planned.taskId, 30);
}

describe('limits.memoryMb', () => {
  it('fails the step of a plugin allocating past it with PLUGIN_CRASHED; other steps go on', async () => {
    const hh = await harness('host-limits', { hog: { limits: { memoryMb: 64 } } });
    const task = await runOne(hh, 'hog');
    expect(task.phase).toBe('failed');
    expect(step(task, 's1').error).toMatch(
      /^PLUGIN_CRASHED: plugin host for hog \(.*10-hog\.mjs\) ran out of memory \(limits\.memoryMb 64\) while running step s1$/,
    );
    expect((await runOne(hh, 'deaf', { hang: false })).phase).toBe('completed');
  });
});

describe('cancelling a step whose plugin ignores its signal', () => {
  it('kills its host and the child it started at once; a fresh host serves the next step', async () => {
    const hh = await harness('host-limits');
    const planned = await start(hh, 'wait', [{ description: 'Wait', action: 'deaf', child: true }]);
    await until(hh, planned.taskId, () => pidsOf(hh.dir, 'deaf-child').length === 1);
    const [host] = pidsOf(hh.dir, 'deaf') as [number];
    const [child] = pidsOf(hh.dir, 'deaf-child') as [number];
    expect(processAlive(host) && processAlive(child)).toBe(true);

    await hh.ok('cancel', { taskId: planned.taskId });
    const cancelled = await status(hh, planned.taskId);
    expect(cancelled.phase).toBe('cancelled');
    expect(step(cancelled, 's1').state).toBe('cancelled');
    await expect.poll(() => anyAlive([host, child]), { timeout: 1_000, interval: 20 }).toBe(false);

    const next = await runOne(hh, 'deaf', { hang: false });
    expect(next.phase).toBe('completed');
    const fresh = (step(next, 's1').outputs?.data as { pid: number }).pid;
    expect(fresh).not.toBe(host);
    expect(processAlive(fresh)).toBe(true);
  });
});

describe('limits.timeoutSeconds', () => {
  it('fails a step that runs longer and stops the host of a plugin that ignores it', async () => {
    const hh = await harness('host-limits', { deaf: { limits: { timeoutSeconds: 0.3 } } });
    const task = await runOne(hh, 'deaf');
    expect(step(task, 's1').error).toBe('Action "deaf" timed out after 300 ms.');
    const [host] = pidsOf(hh.dir, 'deaf') as [number];
    await expect.poll(() => processAlive(host), { timeout: 2_000 }).toBe(false);
    expect((await runOne(hh, 'deaf', { hang: false })).phase).toBe('completed');
  });
});

describe('a plugin whose host crashes again and again', () => {
  it('is turned off after 3 crashes within a minute: its steps fail at plan time with PLUGIN_CRASHED', async () => {
    const hh = await harness('host-faults');
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const task = await runOne(hh, 'exit_seven');
      expect(step(task, 's1').error).toMatch(/^PLUGIN_CRASHED: .*exited with code 7 while running step s1$/);
    }
    const refused = await hh.call('plan', { request: 'again', steps: [{ description: 'Exit', action: 'exit_seven', crash: false }] });
    expect(errorCode(refused)).toBe('PLUGIN_CRASHED');
    expect(JSON.stringify(refused.content)).toMatch(
      /the exit_seven plugin \(.*30-exit-seven\.mjs\) is turned off: its host crashed 3 times within 60 s \(last: exited with code 7\)/,
    );
    // Other plugins of the same folder are not affected.
    expect((await runOne(hh, 'fd_write')).phase).toBe('completed');
  });
});

describe('closing the app', () => {
  it('stops every plugin host', async () => {
    const hh = await harness('host-faults');
    for (const name of ['exit_seven', 'timer_throw', 'fd_write']) await runOne(hh, name, { crash: false });
    const pids = ['exit_seven', 'timer_throw', 'fd_write'].flatMap((name) => pidsOf(hh.dir, name));
    expect(anyAlive(pids)).toBe(true);
    await hh.close();
    h = undefined;
    expect(anyAlive(pids)).toBe(false);
  });
});

describe('start-up', () => {
  it('reports a plugin whose host dies while importing it as PLUGIN_IMPORT_FAILED naming the file, and stops the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-host-load-'));
    process.env.ORCHESTRATE_TEST_PIDS = join(dir, 'fine.pids');
    try {
      const file = join(FIXTURES, 'host-exits-on-load', 'b-exits.mjs');
      const failure = await hosted('host-exits-on-load').catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'PLUGIN_IMPORT_FAILED', details: { file } });
      expect((failure as Error).message).toBe(
        `${file}: could not be imported: plugin host for ${file} exited with code 3 while loading the plugin`,
      );
      const [fine] = pidsOf(dir, 'fine') as [number];
      expect(fine).toBeGreaterThan(0);
      expect(processAlive(fine)).toBe(false);
    } finally {
      delete process.env.ORCHESTRATE_TEST_PIDS;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
