import { auditStore } from '../store/audit-support.js';
/** `orchestrate-mcp audit verify` through the real bin (run `npm run build` first). */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/open.js';
import { spawnBin, spawnServer, type SpawnedServer } from '../helpers/bin.js';

let dir: string;
let cleanups: Array<() => Promise<unknown>>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-audit-'));
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function verify(args: string[], env: Record<string, string> = {}) {
  const bin = spawnBin(['audit', 'verify', ...args], { cwd: dir, env }, cleanups);
  const { code } = await bin.exited;
  return { code, stdout: bin.stdout(), stderr: bin.stderr() };
}

/** A database with two task chains and the system chain, written through the store. */
function writtenDb(path: string): void {
  const store = auditStore(openDatabase(path));
  store.appendAudit({ taskId: 'task-a', ts: '2026-12-01T10:00:00.000Z', actor: 'model', kind: 'plan_created', request: 'do it' });
  store.appendAudit({
    taskId: 'task-a',
    stepId: 's1',
    ts: '2026-12-01T10:00:01.000Z',
    actor: 'system',
    kind: 'step_completed',
    stdout: 'done\n',
  });
  store.appendAudit({ taskId: 'task-b', ts: '2026-12-01T10:00:02.000Z', actor: 'human', kind: 'plan_rejected', comment: 'too broad' });
  store.appendAudit({ ts: '2026-12-01T10:00:03.000Z', actor: 'system', kind: 'budget_warning', details: { percent: 50 } });
  store.appendAudit({
    taskId: 'task-a',
    stepId: 's2',
    ts: '2026-12-01T10:00:04.000Z',
    actor: 'system',
    kind: 'step_failed',
    stderr: 'no\n',
  });
  store.close();
}

function sql(path: string, statement: string): void {
  const db = new BetterSqlite3(path);
  db.prepare(statement).run();
  db.close();
}

describe('audit verify', () => {
  it('checks a database a running server is writing, without disturbing it', async () => {
    const db = join(dir, 'state.db');
    const server: SpawnedServer = await spawnServer(['--db', db], { cwd: dir });
    cleanups.push(async () => {
      await server.client.close().catch(() => {});
      await server.kill();
    });
    const done = await server.ok('plan', { request: 'say hi', steps: [{ description: 'Say hi', action: 'plan', output: 'hi' }] });
    await server.ok('approve', { taskId: done.taskId, planHash: done.planHash });
    await server.ok('status', { taskId: done.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    const waiting = await server.ok('plan', { request: 'wait', steps: [{ description: 'Wait', action: 'plan', output: 'w' }] });

    expect(await verify(['--db', db])).toEqual({ code: 0, stdout: 'ok: 4 entries in 2 chains\n', stderr: '' });
    const json = await verify(['--db', db, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ database: db, ok: true, entries: 4, chains: 2, problems: [] });

    // The server goes on writing to its chains afterwards.
    await server.ok('approve', { taskId: waiting.taskId, planHash: waiting.planHash });
    const { task } = await server.ok('status', { taskId: waiting.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect((await verify(['--db', db])).stdout).toBe('ok: 6 entries in 2 chains\n');
  });

  it('names the first broken entry and exits 1 when an entry was edited', async () => {
    const db = join(dir, 'state.db');
    writtenDb(db);
    sql(db, `UPDATE audit SET stdout = 'all fine' WHERE chain = 'task-a' AND seq = 2`);
    const human = await verify(['--db', db]);
    expect(human).toEqual({
      code: 1,
      stdout:
        'broken: entry 2 (task task-a, step s1, seq 2, kind step_completed): hash mismatch: its content does not match its hash: it was changed after it was written\n' +
        '5 entries in 3 chains checked\n',
      stderr: '',
    });
    const json = await verify(['--json', '--db', db]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      database: db,
      ok: false,
      entries: 5,
      chains: 3,
      problems: [{ reason: 'hash_mismatch', id: 2, chain: 'task-a', taskId: 'task-a', stepId: 's1', seq: 2, kind: 'step_completed' }],
    });
  });

  it('names where a chain was cut when its last entry was deleted, and counts every broken chain', async () => {
    const db = join(dir, 'state.db');
    writtenDb(db);
    sql(db, `DELETE FROM audit WHERE id = 5`);
    sql(db, `UPDATE audit SET details = '{"percent":5}' WHERE chain = 'system'`);
    const result = await verify(['--db', db]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'broken: entry 4 (chain system, seq 1, kind budget_warning): hash mismatch: its content does not match its hash: it was changed after it was written\n' +
        '4 entries in 3 chains checked; 2 chains broken\n',
    );
    const json = JSON.parse((await verify(['--db', db, '--json'])).stdout);
    expect(json.problems[1]).toMatchObject({
      reason: 'head_mismatch',
      id: 2,
      chain: 'task-a',
      message: expect.stringContaining('removed'),
    });
  });

  it('finds the database like the server: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db; --db relative to the working directory', async () => {
    const fromEnv = join(dir, 'env.db');
    writtenDb(fromEnv);
    expect((await verify([], { ORCHESTRATE_DB: fromEnv })).stdout).toBe('ok: 5 entries in 3 chains\n');

    const state = join(dir, 'xdg');
    mkdirSync(join(state, 'orchestrate-mcp'), { recursive: true });
    writtenDb(join(state, 'orchestrate-mcp', 'state.db'));
    sql(join(state, 'orchestrate-mcp', 'state.db'), `DELETE FROM audit WHERE id = 1`);
    expect(await verify([], { XDG_STATE_HOME: state })).toMatchObject({ code: 1, stdout: expect.stringContaining('entry 2 (task task-a') });

    expect((await verify(['--db', 'env.db'], { ORCHESTRATE_DB: join(dir, 'missing.db') })).code).toBe(0);
  });

  it('exits 2 with DATABASE_NOT_FOUND when there is no database, creating nothing', async () => {
    const missing = join(dir, 'nowhere', 'state.db');
    const human = await verify(['--db', missing]);
    expect(human).toEqual({
      code: 2,
      stdout: '',
      stderr: `orchestrate-mcp audit verify: DATABASE_NOT_FOUND: no database at ${missing} (pass --db PATH or set ORCHESTRATE_DB)\n`,
    });
    const json = await verify(['--db', missing, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'DATABASE_NOT_FOUND', message: expect.stringContaining(missing) },
    });
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    expect(await verify([], { XDG_STATE_HOME: join(dir, 'empty-state') })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(join(dir, 'empty-state', 'orchestrate-mcp', 'state.db')),
    });
  });

  it('exits 2 for a file that is not a state database, and for one from before the chained audit, leaving it unmigrated', async () => {
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'these are not the tables you are looking for\n'.repeat(50));
    expect(await verify(['--db', text])).toMatchObject({ code: 2, stderr: expect.stringContaining('DATABASE_UNREADABLE') });

    const old = join(dir, 'old.db');
    const raw = new BetterSqlite3(old);
    migrate(raw, 1);
    raw.close();
    expect(await verify(['--db', old])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /SCHEMA_UNSUPPORTED: .* has schema 1, older than this command needs \(2\): start orchestrate-mcp on it once/,
      ),
    });
    const after = new BetterSqlite3(old, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    after.close();
  });

  it('prints its help with --help, and answers bad usage with exit 2', async () => {
    const help = await verify(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orchestrate-mcp audit verify \[--db PATH\] \[--json\]/);
    expect(help.stdout).toContain('Exit codes: 0');

    expect(await verify(['--bogus'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Unknown option '--bogus'[^]*orchestrate-mcp audit verify --help/),
    });

    const list = spawnBin(['--help'], { cwd: dir }, cleanups);
    expect((await list.exited).code).toBe(0);
    expect(list.stdout()).toMatch(/audit verify\s+check the audit log hash chains/);
  });
});
