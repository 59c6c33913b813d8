/**
 * Plugin hosts started ahead of time (the bin starts one per plugin entry before it loads the
 * server's modules): the server's start takes them instead of forking, a TypeScript plugin loads
 * through one, those nobody takes are stopped, and one that died while waiting is passed over.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prestartPluginHosts } from '../../src/plugins/host/prestart.js';
import { discardWarmHosts, prestartHosts, warmHostPids } from '../../src/plugins/host/spawn.js';
import type { PluginSource } from '../../src/plugins/registry.js';
import { processAlive } from '../helpers/bin.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { finished, start, step } from '../engine-mcp/support.js';
import { FIXTURES, hosted } from './host-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  discardWarmHosts();
});

const pidOf = (source: PluginSource | undefined): number | undefined => (source?.remote as { pid?: number } | undefined)?.pid;

async function until(check: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('plugin hosts started ahead of time', () => {
  it('serve the plugins of the folder (TypeScript through tsx), and the ones nobody takes are stopped', async () => {
    prestartPluginHosts([join(FIXTURES, 'ts-two-files')]);
    prestartHosts(1, { typescript: false });
    const [first, extra] = warmHostPids();
    expect(warmHostPids()).toHaveLength(2);

    const sources = await hosted('ts-two-files');
    expect(sources.map((s) => s.plugin.name)).toEqual(['loud']);
    expect(pidOf(sources[0])).toBe(first);
    expect(warmHostPids()).toEqual([]);
    await until(() => !processAlive(extra as number));

    h = await startHarness({ plugins: sources });
    const planned = await start(h, 'say it', [{ description: 'Say it', action: 'loud', text: 'hi', volume: 3 }]);
    const task = await finished(h, planned.taskId, 30);
    expect(step(task, 's1')).toMatchObject({ state: 'completed', summary: 'HI!!!' });
    await h.close();
    h = undefined;
    expect(processAlive(first as number)).toBe(false);
  });

  it('pass over a host that ended while it waited and start a fresh one', async () => {
    prestartHosts(1, { typescript: false });
    const [dead] = warmHostPids() as [number];
    process.kill(-dead, 'SIGKILL');
    await until(() => warmHostPids().length === 0);

    const sources = await hosted('third-party');
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(pidOf(source)).not.toBe(dead);
    expect(sources.every((source) => pidOf(source) !== undefined && processAlive(pidOf(source) as number))).toBe(true);
    await Promise.all(sources.map((source) => source.remote?.close()));
  });

  it('are not started for a folder that cannot be listed (the server start reports it)', () => {
    prestartPluginHosts([join(FIXTURES, 'no-such-folder')]);
    expect(warmHostPids()).toEqual([]);
  });
});
