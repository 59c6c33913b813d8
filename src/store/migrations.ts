import type { Database } from 'better-sqlite3';
import { migrateAuditChain } from './audit-chain-migration.js';

const AUDIT_COLUMNS = `id, chain, seq, task_id, step_id, ts, actor, kind, source, request, decision, action, tier, stdout, stderr,
    exit_code, outcome, comment, details, prev_hash, hash`;

/** SQL to run, or a step that needs code (backfilling computed columns). */
type Migration = string | ((db: Database) => void);

/**
 * Schema migrations, applied in order and tracked by `PRAGMA user_version`. A shipped migration is
 * never edited; changes go into a new one.
 */
const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    request TEXT NOT NULL,
    phase TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    origin TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT,
    replan_attempts INTEGER NOT NULL DEFAULT 0,
    replan_request TEXT,
    owner TEXT,
    heartbeat_at TEXT
  );
  CREATE INDEX idx_tasks_phase ON tasks(phase);

  CREATE TABLE steps (
    task_id TEXT NOT NULL,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    action TEXT NOT NULL,
    description TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    tier TEXT NOT NULL,
    input TEXT NOT NULL,
    estimated_tokens INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    summary TEXT,
    error TEXT,
    reason TEXT,
    nonce TEXT,
    outputs TEXT,
    PRIMARY KEY (task_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX idx_steps_task_position ON steps(task_id, position);

  -- One row per phase transition, replayed in id order.
  CREATE TABLE task_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    state TEXT NOT NULL,
    entered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE INDEX idx_task_states_task ON task_states(task_id, id);

  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    step_id TEXT,
    ts TEXT NOT NULL,
    source TEXT NOT NULL,
    request TEXT NOT NULL,
    decision TEXT NOT NULL,
    action TEXT NOT NULL,
    tier TEXT NOT NULL,
    stdout TEXT,
    stderr TEXT,
    exit_code INTEGER,
    outcome TEXT NOT NULL
  );
  CREATE INDEX idx_audit_task ON audit(task_id, id);
  `,
  migrateAuditChain,
  // What each step runs and why its tier was raised, as the plan showed them.
  `
  ALTER TABLE steps ADD COLUMN commands TEXT;
  ALTER TABLE steps ADD COLUMN tier_reasons TEXT;
  `,
  // The rest of a step's run record (how a confirmation is asked, attempts, …), as JSON.
  `
  ALTER TABLE steps ADD COLUMN run_extra TEXT;
  `,
  // What a plan said about repeating a step (effects, retry), as JSON.
  `
  ALTER TABLE steps ADD COLUMN step_extra TEXT;
  `,
  // One row per attempt of a step: when it started and ended, and how.
  `
  CREATE TABLE step_attempts (
    task_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    error TEXT,
    PRIMARY KEY (task_id, step_id, attempt)
  ) WITHOUT ROWID;
  `,
  // Answers to step confirmations given in another process (the command line, another server),
  // waiting for the process that runs the task to take them.
  `
  CREATE TABLE step_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX idx_step_answers_task ON step_answers(task_id, id);
  `,
  // Budget spend per task and per UTC day; finished tasks, searchable by their words (episodic memory).
  `
  CREATE TABLE budget_spend (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    tokens INTEGER NOT NULL DEFAULT 0,
    reserved_tokens INTEGER NOT NULL DEFAULT 0,
    wall_ms INTEGER NOT NULL DEFAULT 0,
    delegations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;

  CREATE VIRTUAL TABLE episodes USING fts5(
    request, details, task_id UNINDEXED, ended_at UNINDEXED, body UNINDEXED, tokenize = 'porter unicode61'
  );
  `,
  // Every page an audit entry touches is written again at each step's commit. The table is rebuilt
  // with a plain rowid id (no AUTOINCREMENT: its counter is one more page; rows are never deleted, so
  // ids still only grow) and without the two indexes: UNIQUE (chain, seq) finds a chain, and a
  // task's entries are its chain. Rows keep their ids and hashes.
  `
  CREATE TABLE audit_rowid (
    id INTEGER PRIMARY KEY,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    task_id TEXT,
    step_id TEXT,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT,
    request TEXT,
    decision TEXT,
    action TEXT,
    tier TEXT,
    stdout TEXT,
    stderr TEXT,
    exit_code INTEGER,
    outcome TEXT,
    comment TEXT,
    details TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
  );
  INSERT INTO audit_rowid SELECT ${AUDIT_COLUMNS} FROM audit;
  DROP TABLE audit;
  ALTER TABLE audit_rowid RENAME TO audit;
  DELETE FROM sqlite_sequence WHERE name = 'audit';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to `target` (the latest by default; tests build older files with a lower
 * one), every step due in one write transaction: a new file is created in one commit, and an old
 * one is upgraded all the way or not at all. The version is re-read inside the transaction:
 * another process opening the same file may have migrated it meanwhile.
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`The database was written by a newer orchestrate-mcp (schema ${current}, this build knows ${SCHEMA_VERSION}).`);
  }
  if (current >= target) return;
  db.transaction(() => {
    for (let version = userVersion(db); version < target; version += 1) {
      const migration = MIGRATIONS[version];
      if (migration === undefined) break;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
