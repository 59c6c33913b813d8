/**
 * Starting runners: ten bridges that start at once end with one runner, and a runner killed with
 * SIGKILL (its socket and lock left behind) is replaced by the next bridge (run `npm run build` first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive } from '../helpers/bin.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('starting the runner', () => {
  it('ends with exactly one runner when ten bridges start at the same moment', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => sandbox.connect()));
    const listed = await Promise.all(clients.map((c) => c.client.listTools()));
    expect(listed.map((l) => l.tools.length)).toEqual(Array(10).fill(4));
    const runner = await sandbox.oneRunner();
    const status = await sandbox.cli(['runner', 'status', '--db', sandbox.db, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: runner, clients: 10 });
    expect(sandbox.runnerPids()).toEqual([runner]);
  }, 60_000);

  it('replaces a runner that was SIGKILLed: the stale socket and lock give way to a new runner', async () => {
    const first = await sandbox.connect();
    const killed = await sandbox.oneRunner();
    await first.close();
    process.kill(killed, 'SIGKILL');
    await expect.poll(() => processAlive(killed), { timeout: 5_000 }).toBe(false);
    expect(existsSync(sandbox.paths.socket)).toBe(true);
    expect(JSON.parse(readFileSync(sandbox.paths.lock, 'utf8')).pid).toBe(killed);

    const second = await sandbox.connect();
    const { tools } = await second.client.listTools();
    expect(tools).toHaveLength(4);
    const replacement = await sandbox.oneRunner();
    expect(replacement).not.toBe(killed);
    expect(JSON.parse(readFileSync(sandbox.paths.lock, 'utf8')).pid).toBe(replacement);
  });
});
