/**
 * With a background runner (the default for stdio), the runner is the process hosted plugins could
 * have taken down: a plugin calling process.exit(7) fails its step, the same runner keeps serving,
 * and its hosts go when it goes.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunnerSandbox } from '../runner/support.js';
import { FIXTURES, anyAlive, pidsOf, quickFailConfig } from './host-support.js';

let sandbox: RunnerSandbox;
beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('plugin hosts under the background runner', () => {
  it('contain a plugin that exits; the runner serves on and its hosts end with it', async () => {
    const args = ['--plugins', join(FIXTURES, 'host-faults'), '--config', quickFailConfig(sandbox.dir)];
    const client = await sandbox.connect(args);
    const runner = await sandbox.oneRunner();
    const runOne = async (crash: boolean) => {
      const planned = await client.ok('plan', { request: 'exit', steps: [{ description: 'Exit', action: 'exit_seven', crash }] });
      await client.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
      return (await client.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 })).task;
    };
    expect((await runOne(true)).steps[0].error).toMatch(
      /^PLUGIN_CRASHED: plugin host for exit_seven .* exited with code 7 while running step s1$/,
    );
    expect((await runOne(false)).phase).toBe('completed');
    expect(sandbox.runnerPids()).toEqual([runner]);

    const hosts = pidsOf(sandbox.dir, 'exit_seven');
    expect(hosts).toHaveLength(2);
    process.kill(runner, 'SIGKILL');
    await expect.poll(() => anyAlive(hosts), { timeout: 5_000 }).toBe(false);
  }, 60_000);
});
