/** Fixtures of the audit tests: a state database in a temp folder, full entries, raw SQL access. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { AuditEntry } from '../../src/store/audit-entry.js';
import { openDatabase } from '../../src/store/open.js';
import { AuditLog } from '../../src/store/audit-log.js';
import type { StoredAuditEntry } from '../../src/store/audit-entry.js';

export interface TempDb {
  dir: string;
  path: string;
  db: Database;
  store: AuditStore;
  /** Closes the database and removes the folder. */
  remove(): void;
}

/** The audit log of one connection, appended to and read synchronously (the store's own module). */
export interface AuditStore {
  appendAudit(entry: AuditEntry): StoredAuditEntry;
  auditEntries(taskId: string): StoredAuditEntry[];
  close(): void;
}

export function auditStore(db: Database): AuditStore {
  const log = new AuditLog(db);
  return {
    appendAudit: (entry) => log.append(entry),
    auditEntries: (taskId) => log.entries(taskId),
    close: () => {
      if (db.open) db.close();
    },
  };
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-audit-'));
  const path = join(dir, 'state.db');
  const db = openDatabase(path);
  const store = auditStore(db);
  return {
    dir,
    path,
    db,
    store,
    remove() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An entry with every field set, so every column of its row holds a value. */
export function fullEntry(taskId: string, n: number): AuditEntry {
  return {
    taskId,
    stepId: `s${n}`,
    ts: `2026-12-01T10:00:0${n}.000Z`,
    actor: 'human',
    kind: 'step_confirmed',
    comment: `looks safe ${n}`,
    details: { nonce: `n-${n}`, tiers: ['destructive'], nested: { z: 1, a: null } },
    source: 'form',
    request: `Delete the build folder ${n}`,
    decision: 'confirm',
    action: 'rm -r build',
    tier: 'destructive',
    stdout: `removed ${n}\n`,
    stderr: 'warning: none\n',
    exitCode: 0,
    outcome: 'success',
  };
}

/** The shape the engine writes today: a decision text and no kind. */
export function legacyStepEntry(taskId: string, stepId: string, decision = 'step executed'): AuditEntry {
  return {
    taskId,
    stepId,
    ts: '2026-12-01T10:01:00.000Z',
    source: 'orchestrator',
    request: `Run ${stepId}`,
    decision,
    action: `ran ${stepId}`,
    tier: 'read',
    stdout: 'ok\n',
    stderr: '',
    exitCode: 0,
    outcome: decision === 'step failed' ? 'failure' : 'success',
  };
}

export interface AuditRowT {
  id: number;
  chain: string;
  seq: number;
  task_id: string | null;
  kind: string;
  actor: string;
  prev_hash: string;
  hash: string;
  [column: string]: unknown;
}

export function auditTable(db: Database): AuditRowT[] {
  return db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRowT[];
}

export function heads(db: Database): Array<{ chain: string; last_seq: number; last_hash: string }> {
  return db.prepare('SELECT * FROM audit_heads ORDER BY chain').all() as Array<{ chain: string; last_seq: number; last_hash: string }>;
}

export function columnsOf(db: Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((r) => r.name);
}
