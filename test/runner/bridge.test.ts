/**
 * The stdio bridge through the real bin (run `npm run build` first): stdout carries only the
 * runner's JSON-RPC, a request sent before stdin closes is still answered, and a bridge whose
 * configuration differs from the running runner's is refused with what differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nonJsonLines, spawnBin } from '../helpers/bin.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
  await sandbox.cleanup();
});

const line = (message: Record<string, unknown>) => `${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`;
const initialize = line({
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
});

describe('the stdio bridge', () => {
  it('writes only JSON-RPC to stdout, answers what came before stdin closed, and exits 0', async () => {
    const bridge = spawnBin(['--db', sandbox.db, '--log-level', 'debug'], { cwd: sandbox.dir, env: sandbox.env, runner: true }, cleanups);
    bridge.child.stdin.write(initialize);
    bridge.child.stdin.write(line({ method: 'notifications/initialized' }));
    const steps = [{ description: 'Print a lot', action: 'shell', command: 'seq 1 50000; echo to-stderr >&2' }];
    bridge.child.stdin.write(line({ id: 2, method: 'tools/call', params: { name: 'plan', arguments: { request: 'print', steps } } }));
    await expect.poll(() => bridge.stdout(), { timeout: 20_000 }).toMatch(/"id":2\b/);
    const taskId = /"taskId":"([^"]+)"/.exec(bridge.stdout())?.[1];
    bridge.child.stdin.write(line({ id: 3, method: 'tools/call', params: { name: 'approve', arguments: { taskId } } }));
    bridge.child.stdin.end(
      line({ id: 4, method: 'tools/call', params: { name: 'status', arguments: { taskId, waitUntil: 'terminal', timeoutSeconds: 1 } } }),
    );

    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(nonJsonLines(bridge.stdout())).toEqual([]);
    expect(bridge.stdout()).toMatch(/"id":3\b/);
    expect(bridge.stdout()).toMatch(/"id":4\b/);
    // The runner logs (debug) to its own file; the step's output stays in the task.
    expect(bridge.stderr()).toBe('');
    expect(bridge.stdout().split('\n')).not.toContain('50000');
  });

  it('refuses a bridge whose config file differs from the runner’s, saying what differs', async () => {
    await sandbox.connect();
    const pid = await sandbox.oneRunner();
    const other = join(sandbox.dir, 'other.json');
    writeFileSync(other, JSON.stringify({ maxParallel: 2 }));
    const bridge = spawnBin(['--db', sandbox.db, '--config', other], { cwd: sandbox.dir, env: sandbox.env, runner: true }, cleanups);
    bridge.child.stdin.write(initialize);
    expect((await bridge.exited).code).toBe(1);
    expect(bridge.stdout()).toBe('');
    expect(bridge.stderr()).toContain('RUNNER_CONFIG_MISMATCH');
    expect(bridge.stderr()).toContain(`(pid ${pid})`);
    expect(bridge.stderr()).toContain(`config file ${other} here, (none) in the runner`);
    expect(bridge.stderr()).toContain('runner stop');
    expect(sandbox.runnerPids()).toEqual([pid]);
  });
});
