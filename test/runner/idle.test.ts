/**
 * The runner's lifetime: it outlives its last client while a task is unfinished, then exits in
 * order after `runner.idleSeconds` with no client (run `npm run build` first).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive } from '../helpers/bin.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('runner idle exit', () => {
  it('stays while a task runs with no client, then exits within idleSeconds + 5 s, removing its socket and lock', async () => {
    const config = join(sandbox.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ runner: { idleSeconds: 1 } }));
    const marker = join(sandbox.dir, 'done.txt');
    const client = await sandbox.connect(['--config', config]);
    const planned = await client.ok('plan', {
      request: 'wait, then write',
      steps: [{ description: 'Wait, then write', action: 'shell', command: `sleep 3; touch '${marker}'` }],
    });
    await client.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    const runner = await sandbox.oneRunner();
    await client.close();

    // Idle for longer than idleSeconds with no client, but the task is unfinished: still running.
    await expect.poll(() => existsSync(marker), { timeout: 15_000, interval: 100 }).toBe(true);
    expect(processAlive(runner)).toBe(true);
    const finishedAt = Date.now();
    await expect.poll(() => processAlive(runner), { timeout: 6_000 + 2_000, interval: 100 }).toBe(false);
    expect(Date.now() - finishedAt).toBeLessThan(6_000 + 2_000);
    expect(existsSync(sandbox.paths.socket)).toBe(false);
    expect(existsSync(sandbox.paths.lock)).toBe(false);

    // It settled the task before it went: an in-process server reads it completed.
    const inline = await sandbox.connect(['--inline']);
    const { task } = await inline.ok('status', { taskId: planned.taskId });
    expect(task.phase).toBe('completed');
  });

  it('stays while a client is connected, however long', async () => {
    const config = join(sandbox.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ runner: { idleSeconds: 0.2 } }));
    const client = await sandbox.connect(['--config', config]);
    const runner = await sandbox.oneRunner();
    // Status requests are not clients: they do not keep the runner alive, only the connected client does.
    const uptime = async () => JSON.parse((await sandbox.cli(['runner', 'status', '--db', sandbox.db, '--json'])).stdout).uptimeSeconds;
    await expect.poll(uptime, { timeout: 10_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    expect(processAlive(runner)).toBe(true);
    expect((await client.client.listTools()).tools).toHaveLength(4);
    await client.close();
    await expect.poll(() => processAlive(runner), { timeout: 5_000, interval: 100 }).toBe(false);
  });
});
