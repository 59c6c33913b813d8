import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrchestrateError } from '../../src/errors.js';
import { AUDIT_KINDS, LEGACY_DECISIONS } from '../../src/store/audit-entry.js';
import { GENESIS_HASH, HASHED_COLUMNS } from '../../src/store/audit-hash.js';
import { verifyAudit } from '../../src/store/audit-verify.js';
import { canonicalJson } from '../../src/store/canonical-json.js';
import { openDatabase } from '../../src/store/open.js';
import { auditTable, columnsOf, fullEntry, heads, legacyStepEntry, tempDb, type TempDb, auditStore } from './audit-support.js';

let t: TempDb | undefined;
afterEach(() => {
  t?.remove();
  t = undefined;
});

function errorOf(fn: () => unknown): { code?: string; message?: string } {
  try {
    fn();
  } catch (error) {
    return isOrchestrateError(error) ? { code: error.code, message: error.message } : { message: String(error) };
  }
  return {};
}

describe('appending to the audit log', () => {
  it('links each task chain from the genesis hash, numbers it and moves its head', () => {
    t = tempDb();
    const a1 = t.store.appendAudit(fullEntry('task-a', 1));
    const b1 = t.store.appendAudit(legacyStepEntry('task-b', 's1'));
    const a2 = t.store.appendAudit(fullEntry('task-a', 2));
    const a3 = t.store.appendAudit(legacyStepEntry('task-a', 's3', 'step failed'));

    expect([a1, a2, a3].map((e) => [e.chain, e.seq])).toEqual([
      ['task-a', 1],
      ['task-a', 2],
      ['task-a', 3],
    ]);
    expect(a1.prevHash).toBe(GENESIS_HASH);
    expect(a2.prevHash).toBe(a1.hash);
    expect(a3.prevHash).toBe(a2.hash);
    expect(b1).toMatchObject({ chain: 'task-b', seq: 1, prevHash: GENESIS_HASH });
    expect(new Set([a1.hash, a2.hash, a3.hash, b1.hash]).size).toBe(4);
    expect(heads(t.db)).toEqual([
      { chain: 'task-a', last_seq: 3, last_hash: a3.hash },
      { chain: 'task-b', last_seq: 1, last_hash: b1.hash },
    ]);
    expect(verifyAudit(t.db)).toEqual({ ok: true, entries: 4, chains: 2, problems: [] });
  });

  it('hashes the canonical JSON of every stored column but id and hash, as stored', () => {
    t = tempDb();
    const stored = t.store.appendAudit(fullEntry('task-a', 1));
    const [row] = auditTable(t.db);
    const content = Object.fromEntries(Object.entries(row ?? {}).filter(([column]) => column !== 'id' && column !== 'hash'));
    const text = canonicalJson(content);
    expect(text).toContain('"details":"{\\"nested\\":{\\"a\\":null,\\"z\\":1},\\"nonce\\":\\"n-1\\",\\"tiers\\":[\\"destructive\\"]}"');
    expect(stored.hash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(row?.hash).toBe(stored.hash);
    // The fixed list still names every column: a new column must join it (or be left out on purpose).
    expect([...HASHED_COLUMNS].sort()).toEqual(
      columnsOf(t.db, 'audit')
        .filter((c) => c !== 'id' && c !== 'hash')
        .sort(),
    );
  });

  it('reads entries back with actor, kind, comment, details and their chain fields', () => {
    t = tempDb();
    t.store.appendAudit(fullEntry('task-a', 1));
    const [entry] = t.store.auditEntries('task-a');
    expect(entry).toMatchObject({
      taskId: 'task-a',
      stepId: 's1',
      actor: 'human',
      kind: 'step_confirmed',
      comment: 'looks safe 1',
      details: { nonce: 'n-1', tiers: ['destructive'], nested: { z: 1, a: null } },
      exitCode: 0,
      outcome: 'success',
      seq: 1,
      prevHash: GENESIS_HASH,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('maps the older entry shape to kinds and actors: plan_created by the model, step results by the system', () => {
    t = tempDb();
    for (const decision of Object.keys(LEGACY_DECISIONS)) t.store.appendAudit({ ...legacyStepEntry('task-a', 's1'), decision });
    expect(t.store.auditEntries('task-a').map((e) => [e.decision, e.kind, e.actor])).toEqual([
      ['decomposed into task plan', 'plan_created', 'model'],
      ['step executed', 'step_completed', 'system'],
      ['step failed', 'step_failed', 'system'],
    ]);
    for (const { kind } of Object.values(LEGACY_DECISIONS)) expect(AUDIT_KINDS).toContain(kind);
  });

  it('puts entries about no task on the "system" chain', () => {
    t = tempDb();
    const first = t.store.appendAudit({
      ts: '2026-12-01T00:00:00.000Z',
      actor: 'system',
      kind: 'budget_warning',
      details: { percent: 50 },
    });
    const second = t.store.appendAudit({
      ts: '2026-12-01T01:00:00.000Z',
      actor: 'policy',
      kind: 'budget_exceeded',
      comment: 'daily tokens',
    });
    expect([first.chain, second.chain]).toEqual(['system', 'system']);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(auditTable(t.db).map((r) => r.task_id)).toEqual([null, null]);
    expect(verifyAudit(t.db).ok).toBe(true);
  });

  it('refuses with INVALID_ARGUMENT an entry without a kind, a kind without an actor, an unknown kind and non-JSON details; nothing is written', () => {
    t = tempDb();
    const store = t.store;
    const noKind = errorOf(() => store.appendAudit({ ...legacyStepEntry('task-a', 's1'), decision: 'did something' }));
    expect(noKind).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"did something" names none') });
    expect(errorOf(() => store.appendAudit({ taskId: 'task-a', ts: 'now', kind: 'plan_approved' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('names no actor'),
    });
    const unknownKind = { taskId: 'task-a', ts: 'now', actor: 'human', kind: 'plan_blessed' } as unknown as Parameters<
      typeof store.appendAudit
    >[0];
    expect(errorOf(() => store.appendAudit(unknownKind))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('kind'),
    });
    const bigint = { taskId: 'task-a', ts: 'now', actor: 'system', kind: 'note', details: { n: 1n } } as const;
    expect(errorOf(() => store.appendAudit(bigint))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('bigint'),
    });
    expect(auditTable(t.db)).toEqual([]);
    expect(heads(t.db)).toEqual([]);
  });

  it('continues one chain from a second connection to the same file (the head is read from the file, not remembered)', () => {
    t = tempDb();
    const other = auditStore(openDatabase(t.path));
    try {
      for (let i = 1; i <= 6; i += 1) (i % 2 === 0 ? other : t.store).appendAudit(fullEntry('task-a', i % 10));
    } finally {
      other.close();
    }
    expect(auditTable(t.db).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyAudit(t.db)).toMatchObject({ ok: true, entries: 6, chains: 1 });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { y: 1, x: undefined, a: 'é' }], a: null, c: true })).toBe('{"a":null,"b":[3,{"a":"é","y":1}],"c":true}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson([undefined, 'x\n"'])).toBe('[null,"x\\n\\""]');
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN/);
    expect(() => canonicalJson({ n: Infinity })).toThrow(/Infinity/);
    expect(() => canonicalJson(Buffer.from('x'))).toThrow(/plain objects/);
    expect(() => canonicalJson(new Date(0))).toThrow(/plain objects/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined/);
  });
});
