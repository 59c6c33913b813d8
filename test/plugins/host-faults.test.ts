/**
 * Third-party plugins run in plugin hosts, so their bugs stay theirs. Through the real bin over
 * stdio: a throw from a timer, an unhandled rejection and process.exit(7) each fail their step with
 * PLUGIN_CRASHED while the server keeps serving, and the plugin's next step runs in a fresh host;
 * writes to fd 1 and a child with inherited stdio land in the server log, never on the protocol
 * stream. No host outlives the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nonJsonLines, spawnServer, type SpawnedServer } from '../helpers/bin.js';
import { FIXTURES, allPids, anyAlive, pidsOf, quickFailConfig } from './host-support.js';

const FAULTS = join(FIXTURES, 'host-faults');
const NAMES = ['timer_throw', 'unhandled_reject', 'exit_seven', 'fd_write', 'inherit_echo'];

let dir: string;
let server: SpawnedServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-host-faults-'));
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<SpawnedServer> {
  server = await spawnServer(['--db', join(dir, 'state.db'), '--plugins', FAULTS, '--config', quickFailConfig(dir)], { cwd: dir });
  return server;
}

async function runOne(s: SpawnedServer, action: string, crash: boolean): Promise<any> {
  const planned = await s.ok('plan', { request: `run ${action}`, steps: [{ description: `Run ${action}`, action, crash }] });
  await s.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  const { task } = await s.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
  return task;
}

describe('a plugin that crashes its host', () => {
  const cases: Array<[string, RegExp]> = [
    ['timer_throw', /crashed \(uncaught exception: Error: boom from a timer\) while running step s1$/],
    ['unhandled_reject', /crashed \(unhandled rejection: Error: nobody handles this\) while running step s1$/],
    ['exit_seven', /exited with code 7 while running step s1$/],
  ];
  for (const [action, how] of cases) {
    it(`${action}: fails its step with PLUGIN_CRASHED, the server keeps serving, the next step runs in a fresh host`, async () => {
      const s = await serve();
      const crashedTask = await runOne(s, action, true);
      expect(crashedTask.phase).toBe('failed');
      const error = crashedTask.steps[0].error as string;
      expect(error).toMatch(new RegExp(`^PLUGIN_CRASHED: plugin host for ${action} \\(${FAULTS}/[^)]+\\.mjs\\) `));
      expect(error).toMatch(how);

      const next = await runOne(s, action, false);
      expect(next.phase).toBe('completed');
      const [crashedPid, freshPid] = pidsOf(dir, action);
      expect(next.steps[0].outputs.data).toEqual({ pid: freshPid });
      expect(freshPid).not.toBe(crashedPid);
      expect(s.child.exitCode).toBeNull();
      expect(nonJsonLines(s.stdout())).toEqual([]);
      expect(s.errors).toEqual([]);
    });
  }
});

describe('a plugin that writes to stdout behind the server’s back', () => {
  it('completes; fd 1 writes and an inherited echo go to the server log, stdout stays JSON-RPC', async () => {
    const s = await serve();
    const written = await runOne(s, 'fd_write', false);
    const echoed = await runOne(s, 'inherit_echo', false);
    expect(written.phase).toBe('completed');
    expect(echoed.phase).toBe('completed');
    expect(echoed.steps[0].outputs.exitCode).toBe(0);
    expect(nonJsonLines(s.stdout())).toEqual([]);
    expect(s.errors).toEqual([]);
    await expect.poll(() => s.stderr(), { timeout: 5_000 }).toContain('plain text from an inherited echo');
    const logged = s
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; stream?: string; pluginFile?: string });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'plain text from fd_write on fd 1', stream: 'stdout' }));
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'console.log from fd_write', stream: 'stdout' }));
    // Both ran in the hosts that loaded them at start-up: nothing crashed.
    expect(pidsOf(dir, 'fd_write')).toHaveLength(1);
  });
});

describe('plugin hosts and the server', () => {
  it('die with the server, even when it is killed', async () => {
    const s = await serve();
    for (const name of NAMES) await runOne(s, name, false);
    const pids = allPids(dir, NAMES);
    expect(new Set(pids).size).toBe(NAMES.length);
    expect(anyAlive(pids)).toBe(true);
    await s.kill();
    await expect.poll(() => anyAlive(pids), { timeout: 5_000 }).toBe(false);
  });
});
