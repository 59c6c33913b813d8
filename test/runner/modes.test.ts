/**
 * Where the engine runs: in the database's runner by default over stdio; in the serving process
 * itself with --inline, ORCHESTRATE_INLINE=1, config `runner: false` or a :memory: database
 * (run `npm run build` first). A shell step's parent process tells which.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnBin } from '../helpers/bin.js';
import { RunnerSandbox, type Connected } from './support.js';

let sandbox: RunnerSandbox;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
  await sandbox.cleanup();
});

/** The pid of the process that ran a shell step for this client. */
async function engineProcess(client: Connected): Promise<number> {
  const planned = await client.ok('plan', {
    request: 'who runs me',
    steps: [{ description: 'Parent', action: 'shell', command: 'echo $PPID' }],
  });
  await client.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  const { task } = await client.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
  expect(task.phase).toBe('completed');
  return Number(task.steps[0].outputs.stdout.trim());
}

function socketsMade(): string[] {
  const dir = join(sandbox.dir, 'run', 'orchestrate-mcp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('serve modes', () => {
  it('runs steps in the background runner by default, not in the client’s process', async () => {
    const client = await sandbox.connect();
    const parent = await engineProcess(client);
    expect(parent).not.toBe(client.pid);
    expect(sandbox.runnerPids()).toEqual([parent]);
  });

  const inlineCases: Array<[string, () => { args: string[]; env?: Record<string, string> }]> = [
    ['--inline', () => ({ args: ['--inline'] })],
    ['ORCHESTRATE_INLINE=1', () => ({ args: [], env: { ORCHESTRATE_INLINE: '1' } })],
    [
      'config runner: false',
      () => {
        const config = join(sandbox.dir, 'inline.json');
        writeFileSync(config, JSON.stringify({ runner: false }));
        return { args: ['--config', config] };
      },
    ],
  ];
  for (const [name, setup] of inlineCases) {
    it(`runs the engine in the serving process with ${name}, starting no runner`, async () => {
      const { args, env } = setup();
      const client = await sandbox.connect(args, env ? { env } : {});
      expect(await engineProcess(client)).toBe(client.pid);
      expect(sandbox.runnerPids()).toEqual([]);
      expect(socketsMade()).toEqual([]);
    });
  }

  it('serves a :memory: database in-process', async () => {
    const bin = spawnBin(['--db', ':memory:'], { cwd: sandbox.dir, env: sandbox.env, runner: true }, cleanups);
    bin.child.stdin.end(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
    );
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.stdout()).toMatch(/"id":1\b/);
    expect(socketsMade()).toEqual([]);
  });

  it('exits 2 listing an invalid runner setting, with nothing on stdout and no runner left', async () => {
    const config = join(sandbox.dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ runner: { idleSeconds: 'soon', extra: 1 } }));
    const bin = spawnBin(['--db', sandbox.db, '--config', config], { cwd: sandbox.dir, env: sandbox.env, runner: true }, cleanups);
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(2);
    expect(bin.stderr()).toContain('invalid configuration');
    expect(bin.stderr()).toContain('config runner');
    expect(bin.stdout()).toBe('');
    expect(sandbox.runnerPids()).toEqual([]);
  });
});
