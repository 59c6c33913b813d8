/**
 * `orchestrate-mcp runner status` and `runner stop`, human and --json, through the real bin (run
 * `npm run build` first).
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive } from '../helpers/bin.js';
import { RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(() => sandbox.cleanup());

describe('runner status', () => {
  it('says there is no runner, in text and JSON', async () => {
    const text = await sandbox.cli(['runner', 'status', '--db', sandbox.db]);
    expect(text).toMatchObject({ code: 0, stdout: `no runner for ${sandbox.paths.db}\n` });
    const json = await sandbox.cli(['runner', 'status', '--db', sandbox.db, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ running: false, db: sandbox.paths.db, socket: sandbox.paths.socket });
  });

  it('shows pid, database, socket, log, uptime, clients and unfinished tasks of a running runner', async () => {
    const client = await sandbox.connect();
    const pid = await sandbox.oneRunner();
    const planned = await client.ok('plan', { request: 'wait', steps: [{ description: 'Wait', action: 'shell', command: 'sleep 30' }] });
    await client.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });

    const json = JSON.parse((await sandbox.cli(['runner', 'status', '--db', sandbox.db, '--json'])).stdout);
    expect(json).toMatchObject({
      running: true,
      pid,
      db: sandbox.paths.db,
      socket: sandbox.paths.socket,
      log: sandbox.paths.log,
      clients: 1,
      unfinishedTasks: [planned.taskId],
      idleSeconds: 30,
      closing: false,
    });
    expect(json.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(existsSync(json.log)).toBe(true);

    const text = await sandbox.cli(['runner', 'status', '--db', sandbox.db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^runner running\\n  pid +${pid}\\n`));
    expect(text.stdout).toContain(`socket     ${sandbox.paths.socket}`);
    expect(text.stdout).toContain(`log        ${sandbox.paths.log}`);
    expect(text.stdout).toMatch(/clients +1\n/);
    expect(text.stdout).toContain(`unfinished 1 (${planned.taskId})`);
    await client.ok('cancel', { taskId: planned.taskId });
  });

  it('refuses unknown options with exit 2', async () => {
    const result = await sandbox.cli(['runner', 'status', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('orchestrate-mcp runner status:');
    expect(result.stderr).toContain('--bogus');
  });
});

describe('runner stop', () => {
  it('stops the runner in order: its clients’ bridges end, the socket and lock are removed', async () => {
    const client = await sandbox.connect();
    const pid = await sandbox.oneRunner();
    const stopped = await sandbox.cli(['runner', 'stop', '--db', sandbox.db]);
    expect(stopped).toMatchObject({ code: 0, stdout: `stopped the runner of ${sandbox.paths.db} (pid ${pid})\n` });
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(sandbox.paths.socket)).toBe(false);
    expect(existsSync(sandbox.paths.lock)).toBe(false);
    await expect.poll(() => processAlive(client.pid), { timeout: 5_000 }).toBe(false);
    expect(client.stderr()).toContain('the background runner closed the connection');

    const again = await sandbox.cli(['runner', 'stop', '--db', sandbox.db]);
    expect(again).toMatchObject({ code: 0, stdout: `no runner for ${sandbox.paths.db}\n` });
  });

  it('reports in JSON', async () => {
    await sandbox.connect();
    const pid = await sandbox.oneRunner();
    const stopped = await sandbox.cli(['runner', 'stop', '--db', sandbox.db, '--json']);
    expect(JSON.parse(stopped.stdout)).toEqual({ stopped: true, pid, db: sandbox.paths.db });
    const again = await sandbox.cli(['runner', 'stop', '--db', sandbox.db, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ stopped: false, db: sandbox.paths.db, reason: 'no runner' });
  });
});
