import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, entryHash } from '../../src/store/audit-hash.js';
import { verifyAudit } from '../../src/store/audit-verify.js';
import { SCHEMA_VERSION, migrate } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/open.js';
import { finished, start } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { auditTable, heads, auditStore } from './audit-support.js';

let dir: string | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const OLD_ROWS = [
  ['t-1', null, 'decomposed into task plan', 'plan text one', 'success', null],
  ['t-2', null, 'decomposed into task plan', 'plan text two', 'success', null],
  ['t-1', 's1', 'step executed', 'did s1', 'success', 0],
  ['t-1', 's2', 'step failed', 'broke s2', 'failure', 3],
  ['t-2', 's1', 'hand-written by an old tool', 'something', 'success', null],
] as const;

/** A database as version-1 servers wrote it: the first schema only, audit rows without kinds or hashes. */
function oldDatabase(): string {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-audit-v1-'));
  const path = join(dir, 'state.db');
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  migrate(db, 1);
  const insert = db.prepare(`INSERT INTO audit (task_id, step_id, ts, source, request, decision, action, tier, stdout, stderr,
    exit_code, outcome) VALUES (?, ?, ?, 'orchestrator', 'the request', ?, ?, 'read', ?, ?, ?, ?)`);
  OLD_ROWS.forEach(([task, stepId, decision, action, outcome, exitCode], i) => {
    insert.run(
      task,
      stepId,
      `2026-11-0${i + 1}T00:00:00.000Z`,
      decision,
      action,
      exitCode === null ? null : 'out',
      exitCode === null ? null : '',
      exitCode,
      outcome,
    );
  });
  expect(db.pragma('user_version', { simple: true })).toBe(1);
  db.close();
  return path;
}

describe('migrating an audit log written before hash chains', () => {
  it('keeps every row and value, gives each a kind, actor and place in its task chain, and builds the heads', () => {
    const path = oldDatabase();
    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const rows = auditTable(db);
      expect(rows.map((r) => [r.id, r.chain, r.seq, r.task_id, r.step_id, r.decision, r.kind, r.actor])).toEqual([
        [1, 't-1', 1, 't-1', null, 'decomposed into task plan', 'plan_created', 'model'],
        [2, 't-2', 1, 't-2', null, 'decomposed into task plan', 'plan_created', 'model'],
        [3, 't-1', 2, 't-1', 's1', 'step executed', 'step_completed', 'system'],
        [4, 't-1', 3, 't-1', 's2', 'step failed', 'step_failed', 'system'],
        [5, 't-2', 2, 't-2', 's1', 'hand-written by an old tool', 'note', 'system'],
      ]);
      expect(rows[3]).toMatchObject({
        action: 'broke s2',
        outcome: 'failure',
        exit_code: 3,
        stdout: 'out',
        stderr: '',
        ts: '2026-11-04T00:00:00.000Z',
      });
      expect(rows[0]).toMatchObject({ prev_hash: GENESIS_HASH, comment: null, details: null });
      expect(rows[2]?.prev_hash).toBe(rows[0]?.hash);
      for (const row of rows) expect(row.hash).toBe(entryHash(row));
      expect(heads(db)).toEqual([
        { chain: 't-1', last_seq: 3, last_hash: rows[3]?.hash },
        { chain: 't-2', last_seq: 2, last_hash: rows[4]?.hash },
      ]);
      expect(verifyAudit(db)).toEqual({ ok: true, entries: 5, chains: 2, problems: [] });

      const next = auditStore(db).appendAudit({ taskId: 't-1', ts: 'later', actor: 'human', kind: 'comment', comment: 'checked' });
      expect(next).toMatchObject({ id: 6, seq: 4, prevHash: rows[3]?.hash });
      expect(verifyAudit(db).ok).toBe(true);
    } finally {
      db.close();
    }
  });

  it('migrates an empty audit table to empty chains', () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrate-audit-v1-'));
    const path = join(dir, 'state.db');
    const raw = new BetterSqlite3(path);
    migrate(raw, 1);
    raw.close();
    const db = openDatabase(path);
    expect(verifyAudit(db)).toEqual({ ok: true, entries: 0, chains: 0, problems: [] });
    db.close();
  });

  it('lets a real server go on writing verifiable chains in the migrated file', async () => {
    const path = oldDatabase();
    h = await startHarness({ db: path, workdir: dir as string });
    const planned = await start(h, 'after the upgrade', [{ description: 'Say hi', action: 'plan', output: 'hi' }]);
    await finished(h, planned.taskId);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(verifyAudit(db)).toEqual({ ok: true, entries: 8, chains: 3, problems: [] });
    } finally {
      db.close();
    }
  });
});
