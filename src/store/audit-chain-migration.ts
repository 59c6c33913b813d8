import type { Database } from 'better-sqlite3';
import { GENESIS_HASH, entryHash } from './audit-hash.js';
import { legacyKind } from './audit-entry.js';
import type { AuditRow } from './audit-row.js';

/**
 * Schema 2: audit entries get an actor, a kind, a comment, details and a place in a hash chain
 * (one per task, "system" for the rest), and `audit_heads` records each chain's last entry. The
 * table is rebuilt because older columns become optional and `task_id` nullable. Rows are copied
 * with their ids; `seq` starts as -id only to stay unique until the backfill numbers them.
 */
const REBUILD = `
  CREATE TABLE audit_chained (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  INSERT INTO audit_chained (id, chain, seq, task_id, step_id, ts, actor, kind, source, request, decision, action, tier,
    stdout, stderr, exit_code, outcome, prev_hash, hash)
    SELECT id, task_id, -id, task_id, step_id, ts, '', '', source, request, decision, action, tier, stdout, stderr,
      exit_code, outcome, '', '' FROM audit;
  DROP TABLE audit;
  ALTER TABLE audit_chained RENAME TO audit;
  CREATE INDEX idx_audit_task ON audit(task_id, id);
  CREATE INDEX idx_audit_chain ON audit(chain, id);

  CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
  ) WITHOUT ROWID;
`;

const PAGE = 500;

/** Rebuilds the table, then chains the copied rows in id order: kind and actor from their decision text, seq, prev_hash, hash. */
export function migrateAuditChain(db: Database): void {
  db.exec(REBUILD);
  const page = db.prepare(`SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ${PAGE}`);
  const update = db.prepare(
    `UPDATE audit SET seq = @seq, actor = @actor, kind = @kind, prev_hash = @prev_hash, hash = @hash WHERE id = @id`,
  );
  const heads = new Map<string, { seq: number; hash: string }>();
  let after = 0;
  for (;;) {
    const rows = page.all(after) as AuditRow[];
    for (const row of rows) {
      const head = heads.get(row.chain) ?? { seq: 0, hash: GENESIS_HASH };
      // Rows from before kinds: our own three decision texts, anything else kept as a note.
      const { kind, actor } = legacyKind(row.decision) ?? ({ kind: 'note', actor: 'system' } as const);
      const chained = { ...row, seq: head.seq + 1, actor, kind, prev_hash: head.hash };
      const hash = entryHash(chained);
      update.run({ id: row.id, seq: chained.seq, actor, kind, prev_hash: chained.prev_hash, hash });
      heads.set(row.chain, { seq: chained.seq, hash });
    }
    const last = rows.at(-1);
    if (!last) break;
    after = last.id;
  }
  const insertHead = db.prepare(`INSERT INTO audit_heads (chain, last_seq, last_hash) VALUES (?, ?, ?)`);
  for (const [chain, head] of heads) insertHead.run(chain, head.seq, head.hash);
}
