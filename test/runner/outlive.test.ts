/**
 * Tasks outlive the client: stdio serving goes through a background runner per database (run
 * `npm run build` first), so killing a client's bridge stops nothing that was approved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive } from '../helpers/bin.js';
import { fenced, ScriptedLlm } from '../helpers/llm.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('a task outlives its client', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'finishes a step after the bridge that approved it gets %s; a new client sees the task completed',
    async (signal) => {
      const marker = join(sandbox.dir, 'written.txt');
      const a = await sandbox.connect();
      const planned = await a.ok('plan', {
        request: 'wait, then write a file',
        steps: [{ description: 'Wait, then write', action: 'shell', command: `sleep 3; echo done > '${marker}'` }],
      });
      await a.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
      process.kill(a.pid, signal);
      const runner = await sandbox.oneRunner();
      expect(runner).not.toBe(a.pid);
      expect(existsSync(marker)).toBe(false);

      await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8'), { timeout: 20_000, interval: 100 }).toBe('done\n');
      const b = await sandbox.connect();
      const { task } = await b.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 10 });
      expect(task.phase).toBe('completed');
      expect(task.steps[0].state).toBe('completed');
      // One runner served both clients.
      expect(sandbox.runnerPids()).toEqual([runner]);
    },
  );

  it('carries the runner’s requests to the client: sampling reaches the client through the bridge', async () => {
    const llm = new ScriptedLlm([fenced([{ description: 'Say hello', action: 'shell', command: 'echo hello' }])]);
    const client = await sandbox.connect([], { llm });
    const planned = await client.ok('plan', { request: 'say hello' });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.steps.map((s: { description: string }) => s.description)).toEqual(['Say hello']);
    expect(llm.requests).toHaveLength(1);
    expect(JSON.stringify(llm.requests[0]?.messages)).toContain('say hello');
  });

  it('ends the bridge, not the runner, when the client closes stdin', async () => {
    const client = await sandbox.connect();
    const runner = await sandbox.oneRunner();
    const bridge = client.pid;
    await client.close();
    await expect.poll(() => sandbox.runnerPids(), { timeout: 5_000 }).toEqual([runner]);
    await expect.poll(() => processAlive(bridge), { timeout: 5_000 }).toBe(false);
  });
});
