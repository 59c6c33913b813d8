import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, StoredAuditEntry } from './audit-entry.js';
import { GENESIS_HASH, entryHash } from './audit-hash.js';
import { fromAuditRow, toUnchainedRow, type AuditRow, type UnchainedRow } from './audit-row.js';

/** The last entry of a chain as `audit_heads` records it. */
export interface ChainHead {
  chain: string;
  lastSeq: number;
  lastHash: string;
}

const INSERT = `INSERT INTO audit (chain, seq, task_id, step_id, ts, actor, kind, source, request, decision, action, tier,
  stdout, stderr, exit_code, outcome, comment, details, prev_hash, hash) VALUES (@chain, @seq, @task_id, @step_id, @ts,
  @actor, @kind, @source, @request, @decision, @action, @tier, @stdout, @stderr, @exit_code, @outcome, @comment, @details,
  @prev_hash, @hash)`;

const UPSERT_HEAD = `INSERT INTO audit_heads (chain, last_seq, last_hash) VALUES (?, ?, ?)
  ON CONFLICT (chain) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash`;

/**
 * The hash-chained audit log: one chain per task (and one named "system"). Appending reads the
 * chain's head, links and hashes the entry and moves the head in one `BEGIN IMMEDIATE` transaction,
 * so processes sharing the file take turns and a chain never forks. Inside a caller's transaction
 * it joins that one.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #head: Statement;
  readonly #insert: Statement;
  readonly #upsertHead: Statement;
  readonly #byTask: Statement;
  readonly #byTaskKind: Statement;
  readonly #append: { immediate(row: UnchainedRow): AuditRow };

  constructor(db: Database) {
    this.#db = db;
    this.#head = db.prepare(`SELECT last_seq, last_hash FROM audit_heads WHERE chain = ?`);
    this.#insert = db.prepare(INSERT);
    this.#upsertHead = db.prepare(UPSERT_HEAD);
    // A task's entries are its chain (see toUnchainedRow), found through UNIQUE (chain, seq).
    this.#byTask = db.prepare(`SELECT * FROM audit WHERE chain = ? AND task_id = ? ORDER BY id`);
    this.#byTaskKind = db.prepare(`SELECT * FROM audit WHERE chain = ? AND task_id = ? AND kind = ? ORDER BY id`);
    this.#append = db.transaction((row: UnchainedRow) => this.#link(row));
  }

  /** Checks an entry and appends it. */
  append(entry: AuditEntry): StoredAuditEntry {
    return fromAuditRow(this.add(toUnchainedRow(entry)));
  }

  /** Appends the columns of an entry; inside a caller's transaction it links there, without a savepoint of its own. */
  add(row: UnchainedRow): AuditRow {
    return this.#db.inTransaction ? this.#link(row) : this.#append.immediate(row);
  }

  #link(unchained: UnchainedRow): AuditRow {
    const head = this.#head.get(unchained.chain) as { last_seq: number; last_hash: string } | undefined;
    const row: AuditRow = { id: 0, ...unchained, seq: (head?.last_seq ?? 0) + 1, prev_hash: head?.last_hash ?? GENESIS_HASH, hash: '' };
    row.hash = entryHash(row);
    row.id = Number(this.#insert.run(row).lastInsertRowid);
    this.#upsertHead.run(row.chain, row.seq, row.hash);
    return row;
  }

  /** The rows of one task's audit, oldest first, as stored. */
  rows(taskId: string): AuditRow[] {
    return this.#byTask.all(taskId, taskId) as AuditRow[];
  }

  /** The task's entries, oldest first; only those of `kind` when it is given. */
  entries(taskId: string, kind?: string): StoredAuditEntry[] {
    const rows = kind === undefined ? this.rows(taskId) : (this.#byTaskKind.all(taskId, taskId, kind) as AuditRow[]);
    return rows.map(fromAuditRow);
  }
}
