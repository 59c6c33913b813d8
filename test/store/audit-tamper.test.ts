import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/store/audit-hash.js';
import { verifyAudit, type AuditVerification } from '../../src/store/audit-verify.js';
import { auditTable, columnsOf, fullEntry, legacyStepEntry, tempDb, type AuditRowT, type TempDb } from './audit-support.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
  // Two task chains and the system chain, each entry with values in most columns.
  for (let n = 1; n <= 3; n += 1) t.store.appendAudit(fullEntry('task-a', n));
  t.store.appendAudit(legacyStepEntry('task-b', 's1'));
  t.store.appendAudit(fullEntry('task-a', 4));
  t.store.appendAudit(legacyStepEntry('task-b', 's2', 'step failed'));
  t.store.appendAudit({ ts: '2026-12-01T00:00:00.000Z', actor: 'policy', kind: 'budget_warning', details: { percent: 80 } });
  t.store.appendAudit({ ts: '2026-12-01T00:05:00.000Z', actor: 'system', kind: 'budget_exceeded', details: { percent: 100 } });
  expect(verifyAudit(t.db).ok).toBe(true);
});
afterEach(() => t.remove());

/** Runs `tamper` and verifies inside a transaction that is rolled back, so each case starts from the intact log. */
function verifyAfter(db: Database, tamper: () => void): AuditVerification {
  db.exec('BEGIN');
  try {
    tamper();
    return verifyAudit(db);
  } finally {
    db.exec('ROLLBACK');
  }
}

/** A different value of the same kind: one character changed, a number negated (so no seq collides), NULL made empty. */
function changed(value: unknown): unknown {
  if (typeof value === 'number') return -value - 1;
  if (typeof value === 'string' && value.length > 0) {
    const at = Math.floor(value.length / 2);
    return value.slice(0, at) + String.fromCharCode(value.charCodeAt(at) ^ 1) + value.slice(at + 1);
  }
  return value === null ? '' : 'x';
}

describe('verifyAudit on a tampered log', () => {
  it('names the entry whenever any column of any entry is changed with SQL', () => {
    const columns = columnsOf(t.db, 'audit').filter((c) => c !== 'id');
    expect(columns).toHaveLength(20);
    const rows = auditTable(t.db);
    for (const row of rows) {
      for (const column of columns) {
        const result = verifyAfter(t.db, () => {
          t.db.prepare(`UPDATE audit SET "${column}" = ? WHERE id = ?`).run(changed(row[column]), row.id);
        });
        expect({ column, id: row.id, ok: result.ok }).toEqual({ column, id: row.id, ok: false });
        expect({ column, first: result.problems[0] }).toMatchObject({ column, first: { id: row.id, reason: 'hash_mismatch' } });
      }
    }
  });

  it('names the entry when a column is overwritten with a blob', () => {
    const [row] = auditTable(t.db);
    const result = verifyAfter(t.db, () =>
      t.db.prepare(`UPDATE audit SET comment = ? WHERE id = ?`).run(Buffer.from('looks safe 1'), row?.id),
    );
    expect(result.problems[0]).toMatchObject({
      id: row?.id,
      reason: 'hash_mismatch',
      message: expect.stringContaining('cannot be hashed'),
    });
  });

  it('names the entry after one deleted from the middle of a chain', () => {
    const chainA = auditTable(t.db).filter((r) => r.chain === 'task-a');
    const result = verifyAfter(t.db, () => t.db.prepare('DELETE FROM audit WHERE id = ?').run(chainA[1]?.id));
    expect(result).toMatchObject({ ok: false, entries: 7 });
    expect(result.problems).toEqual([
      {
        reason: 'prev_mismatch',
        chain: 'task-a',
        taskId: 'task-a',
        id: chainA[2]?.id,
        seq: 3,
        stepId: 's3',
        kind: 'step_confirmed',
        message: 'it does not follow the entry before it (seq 1): an entry was removed or the order changed',
      },
    ]);
  });

  it('names the new first entry when the first entry of a chain is deleted', () => {
    const [first, second] = auditTable(t.db).filter((r) => r.chain === 'task-b');
    const result = verifyAfter(t.db, () => t.db.prepare('DELETE FROM audit WHERE id = ?').run(first?.id));
    expect(result.problems[0]).toMatchObject({
      id: second?.id,
      reason: 'prev_mismatch',
      message: expect.stringContaining('the start of the chain'),
    });
  });

  it('catches the last entry of a chain deleted, through the chain head', () => {
    const chainA = auditTable(t.db).filter((r) => r.chain === 'task-a');
    const result = verifyAfter(t.db, () => t.db.prepare('DELETE FROM audit WHERE id = ?').run(chainA[3]?.id));
    expect(result.problems).toEqual([
      expect.objectContaining({
        reason: 'head_mismatch',
        chain: 'task-a',
        id: chainA[2]?.id,
        seq: 3,
        message: 'the chain ends at seq 3 but its head records 4 entries: entries after this one were removed',
      }),
    ]);
  });

  it('catches a whole chain deleted, and a chain head deleted or rewound', () => {
    const all = verifyAfter(t.db, () => t.db.prepare(`DELETE FROM audit WHERE chain = 'task-b'`).run());
    expect(all.problems).toEqual([expect.objectContaining({ reason: 'head_mismatch', chain: 'task-b', taskId: 'task-b' })]);
    expect(all.problems[0]?.id).toBeUndefined();

    const noHead = verifyAfter(t.db, () => t.db.prepare(`DELETE FROM audit_heads WHERE chain = 'system'`).run());
    expect(noHead.problems).toEqual([
      expect.objectContaining({ reason: 'head_mismatch', chain: 'system', message: expect.stringContaining('no head') }),
    ]);

    const rewound = verifyAfter(t.db, () => t.db.prepare(`UPDATE audit_heads SET last_seq = last_seq - 1 WHERE chain = 'task-a'`).run());
    expect(rewound.problems).toEqual([expect.objectContaining({ reason: 'head_mismatch', chain: 'task-a', seq: 4 })]);
  });

  it('catches two entries swapped by their row ids as a reordering', () => {
    const [a1, a2] = auditTable(t.db).filter((r) => r.chain === 'task-a');
    const result = verifyAfter(t.db, () => {
      t.db.prepare('UPDATE audit SET id = 1000 WHERE id = ?').run(a1?.id);
      t.db.prepare('UPDATE audit SET id = ? WHERE id = ?').run(a1?.id, a2?.id);
      t.db.prepare('UPDATE audit SET id = ? WHERE id = 1000').run(a2?.id);
    });
    expect(result.problems[0]).toMatchObject({ id: a1?.id, seq: 2, reason: 'prev_mismatch' });
  });

  it('catches a forged entry whose hash and link are right but whose number is not', () => {
    const last = auditTable(t.db)
      .filter((r) => r.chain === 'task-b')
      .at(-1) as AuditRowT;
    const result = verifyAfter(t.db, () => {
      const forged = { ...last, id: 999, seq: last.seq + 2, prev_hash: last.hash, comment: 'forged' };
      const hash = entryHash(forged);
      const columns = Object.keys(forged);
      t.db
        .prepare(`INSERT INTO audit (${columns.join(', ')}, hash) VALUES (${columns.map((c) => `@${c}`).join(', ')}, @hash)`)
        .run({ ...forged, hash });
      t.db.prepare(`UPDATE audit_heads SET last_seq = ?, last_hash = ? WHERE chain = 'task-b'`).run(forged.seq, hash);
    });
    expect(result.problems).toEqual([
      expect.objectContaining({ reason: 'sequence_gap', id: 999, seq: 4, message: 'its seq is 4 where 3 comes next' }),
    ]);
  });

  it('catches an entry appended behind the head’s back', () => {
    const last = auditTable(t.db)
      .filter((r) => r.chain === 'task-b')
      .at(-1) as AuditRowT;
    const result = verifyAfter(t.db, () => {
      const extra = { ...last, id: 999, seq: last.seq + 1, prev_hash: last.hash, comment: 'slipped in' };
      const columns = Object.keys(extra);
      t.db
        .prepare(`INSERT INTO audit (${columns.join(', ')}, hash) VALUES (${columns.map((c) => `@${c}`).join(', ')}, @hash)`)
        .run({ ...extra, hash: entryHash(extra) });
    });
    expect(result.problems).toEqual([expect.objectContaining({ reason: 'head_mismatch', id: 999, seq: 3 })]);
  });

  it('reports the first break of every broken chain, earliest entry first', () => {
    const rows = auditTable(t.db);
    const lastB = rows.filter((r) => r.chain === 'task-b').at(-1);
    const firstA = rows.find((r) => r.chain === 'task-a');
    const result = verifyAfter(t.db, () => {
      t.db.prepare(`UPDATE audit SET stdout = 'edited' WHERE id = ?`).run(lastB?.id);
      t.db.prepare(`UPDATE audit SET ts = '1999-01-01' WHERE id = ?`).run(firstA?.id);
    });
    expect(result.problems.map((p) => [p.id, p.chain, p.reason])).toEqual([
      [firstA?.id, 'task-a', 'hash_mismatch'],
      [lastB?.id, 'task-b', 'hash_mismatch'],
    ]);
    expect(result).toMatchObject({ ok: false, entries: 8, chains: 3 });
  });
});
