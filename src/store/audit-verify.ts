import type { Database } from 'better-sqlite3';
import { GENESIS_HASH, entryHash } from './audit-hash.js';
import { SYSTEM_CHAIN } from './audit-entry.js';
import type { AuditRow } from './audit-row.js';

/**
 * Why a chain is broken. `hash_mismatch`: the entry's content is not what was hashed when it was
 * written. `prev_mismatch`: it does not follow the entry before it (one was removed or the order
 * changed). `sequence_gap`: its number is not the next one. `head_mismatch`: the chain ends before
 * (or after) where `audit_heads` says it does, e.g. its last entries were removed.
 */
export const AUDIT_BREAKS = ['hash_mismatch', 'prev_mismatch', 'sequence_gap', 'head_mismatch'] as const;
export type AuditBreakReason = (typeof AUDIT_BREAKS)[number];

export interface AuditBreak {
  reason: AuditBreakReason;
  chain: string;
  /** The entry where the chain breaks; for `head_mismatch`, the last entry present, if any. */
  id?: number;
  seq?: number;
  taskId?: string;
  stepId?: string;
  kind?: string;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  chains: number;
  /** The first break of each broken chain: broken entries by id, then chains that lost entries at the end. */
  problems: AuditBreak[];
}

type Head = { last_seq: number; last_hash: string };

/** Checks every chain of the audit log in one read snapshot (a running server may keep appending). */
export function verifyAudit(db: Database): AuditVerification {
  return db.transaction(() => {
    const heads = new Map((db.prepare(`SELECT * FROM audit_heads`).all() as Array<Head & { chain: string }>).map((h) => [h.chain, h]));
    return check(db.prepare(`SELECT * FROM audit ORDER BY chain, id`).iterate() as Iterable<AuditRow>, heads);
  })();
}

/** Checks one chain (a task's id, or "system"). */
export function verifyAuditChain(db: Database, chain: string): AuditVerification {
  return db.transaction(() => {
    const head = db.prepare(`SELECT * FROM audit_heads WHERE chain = ?`).get(chain) as (Head & { chain: string }) | undefined;
    const rows = db.prepare(`SELECT * FROM audit WHERE chain = ? ORDER BY id`).iterate(chain) as Iterable<AuditRow>;
    return check(rows, new Map(head ? [[chain, head]] : []));
  })();
}

function check(rows: Iterable<AuditRow>, heads: ReadonlyMap<string, Head>): AuditVerification {
  const problems: AuditBreak[] = [];
  let entries = 0;
  let walker: ChainWalker | undefined;
  const seen = new Set<string>();
  const finish = (): void => {
    const problem = walker?.finish(heads.get(walker.chain));
    if (problem) problems.push(problem);
  };
  for (const row of rows) {
    entries += 1;
    if (walker?.chain !== row.chain) {
      finish();
      walker = new ChainWalker(row.chain);
      seen.add(row.chain);
    }
    walker.visit(row);
  }
  finish();
  for (const [chain, head] of heads) {
    if (!seen.has(chain)) problems.push(emptyChain(chain, head));
  }
  problems.sort(earliestFirst);
  return { ok: problems.length === 0, entries, chains: new Set([...seen, ...heads.keys()]).size, problems };
}

/** Walks one chain in id order and keeps its first break; later entries of a broken chain are only counted. */
class ChainWalker {
  readonly chain: string;
  #count = 0;
  #prevHash = GENESIS_HASH;
  #last: AuditRow | undefined;
  #problem: AuditBreak | undefined;

  constructor(chain: string) {
    this.chain = chain;
  }

  visit(row: AuditRow): void {
    this.#count += 1;
    if (this.#problem) return;
    const expectedSeq = this.#count;
    const problem = contentProblem(row) ?? linkProblem(row, this.#prevHash, expectedSeq);
    if (problem) this.#problem = breakAt(row, problem.reason, problem.message);
    this.#prevHash = row.hash;
    this.#last = row;
  }

  finish(head: Head | undefined): AuditBreak | undefined {
    if (this.#problem) return this.#problem;
    const last = this.#last;
    if (!last) return undefined;
    if (!head)
      return breakAt(
        last,
        'head_mismatch',
        `the chain has no head record; it cannot show whether entries after seq ${last.seq} were removed`,
      );
    if (head.last_seq === this.#count && head.last_hash === last.hash) return undefined;
    return breakAt(
      last,
      'head_mismatch',
      head.last_seq > this.#count
        ? `the chain ends at seq ${this.#count} but its head records ${head.last_seq} entries: entries after this one were removed`
        : `the chain's head records ${head.last_seq} entries ending in ${head.last_hash.slice(0, 12)}…, not this entry (seq ${last.seq})`,
    );
  }
}

function contentProblem(row: AuditRow): { reason: AuditBreakReason; message: string } | undefined {
  let hash: string;
  try {
    hash = entryHash(row);
  } catch (error) {
    return {
      reason: 'hash_mismatch',
      message: `its content cannot be hashed (${(error as Error).message}): it was changed after it was written`,
    };
  }
  if (hash === row.hash) return undefined;
  return { reason: 'hash_mismatch', message: 'its content does not match its hash: it was changed after it was written' };
}

function linkProblem(row: AuditRow, prevHash: string, expectedSeq: number): { reason: AuditBreakReason; message: string } | undefined {
  if (row.prev_hash !== prevHash) {
    const before = expectedSeq === 1 ? 'the start of the chain' : `the entry before it (seq ${expectedSeq - 1})`;
    return { reason: 'prev_mismatch', message: `it does not follow ${before}: an entry was removed or the order changed` };
  }
  if (row.seq !== expectedSeq) return { reason: 'sequence_gap', message: `its seq is ${String(row.seq)} where ${expectedSeq} comes next` };
  return undefined;
}

/**
 * A head mismatch is about entries no longer there (or never linked), so it sorts after every break
 * that names a present entry: when one edit causes both, the edited entry is the one named first.
 */
function earliestFirst(a: AuditBreak, b: AuditBreak): number {
  const rank = (p: AuditBreak): number => (p.reason === 'head_mismatch' ? 1 : 0);
  return rank(a) - rank(b) || (a.id ?? Number.MAX_SAFE_INTEGER) - (b.id ?? Number.MAX_SAFE_INTEGER);
}

function breakAt(row: AuditRow, reason: AuditBreakReason, message: string): AuditBreak {
  return {
    reason,
    chain: row.chain,
    id: row.id,
    seq: row.seq,
    ...(row.task_id !== null ? { taskId: row.task_id } : {}),
    ...(row.step_id !== null ? { stepId: row.step_id } : {}),
    kind: row.kind,
    message,
  };
}

function emptyChain(chain: string, head: Head): AuditBreak {
  return {
    reason: 'head_mismatch',
    chain,
    ...(chain !== SYSTEM_CHAIN ? { taskId: chain } : {}),
    message: `the chain has no entries but its head records ${head.last_seq}: they were removed`,
  };
}
