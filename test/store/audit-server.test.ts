import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/store/audit-hash.js';
import { verifyAudit } from '../../src/store/audit-verify.js';
import { DECLINE, finished, routedLlm, start, throwingPlugin } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { auditUri, readJson } from '../resources/helpers.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function readOnly<T>(path: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function runTwoTasks(harness: Harness): Promise<string[]> {
  const good = await start(harness, 'say two things', [
    { description: 'Say one', action: 'plan', output: 'one' },
    { description: 'Echo two', action: 'shell', command: 'echo two', depends_on: [0] },
  ]);
  const bad = await start(harness, 'break and recover', [
    { description: 'Break', action: 'boom' },
    { description: 'Sibling', action: 'plan', output: 'fine' },
  ]);
  await finished(harness, good.taskId);
  await finished(harness, bad.taskId);
  return [good.taskId, bad.taskId];
}

describe('the audit log a real server writes', () => {
  it('verifies as intact chains, one per task, each entry linked to the one before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrate-audit-run-'));
    const path = join(dir, 'state.db');
    h = await startHarness({
      db: path,
      workdir: dir,
      plugins: [throwingPlugin('boom', 'disk on fire')],
      llm: routedLlm({}, { repair: DECLINE }),
    });
    const taskIds = await runTwoTasks(h);
    await h.close();
    h = undefined;

    const { result, rows } = readOnly(path, (db) => ({
      result: verifyAudit(db),
      rows: db.prepare('SELECT chain, seq, kind, actor, prev_hash, hash FROM audit ORDER BY chain, id').all() as Array<Record<string, any>>,
    }));
    expect(result).toEqual({ ok: true, entries: 8, chains: 2, problems: [] });
    for (const taskId of taskIds) {
      const chain = rows.filter((r) => r.chain === taskId);
      expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(chain[0]).toMatchObject({ kind: 'plan_created', actor: 'model', prev_hash: GENESIS_HASH });
      expect(chain[1]).toMatchObject({ kind: 'plan_approved', actor: 'model' });
      for (let i = 1; i < chain.length; i += 1) expect(chain[i]?.prev_hash).toBe(chain[i - 1]?.hash);
    }
    expect(rows.filter((r) => r.chain === taskIds[1]).map((r) => r.kind)).toEqual([
      'plan_created',
      'plan_approved',
      'step_failed',
      'step_completed',
    ]);
  });

  it('shows seq, hashes, actor and kind in the audit resource, and says when the chain is broken', async () => {
    h = await startHarness({ plugins: [throwingPlugin('boom', 'disk on fire')], llm: routedLlm({}, { repair: DECLINE }) });
    const [taskId] = await runTwoTasks(h);
    const audit = await readJson(h.client, auditUri(taskId as string));
    expect(audit.chain).toEqual({ intact: true, entries: 4, lastHash: audit.entries[3].hash });
    expect(audit.entries.map((e: Record<string, unknown>) => [e.seq, e.actor, e.kind, e.stepId, e.decision])).toEqual([
      [1, 'model', 'plan_created', undefined, 'decomposed into task plan'],
      [2, 'model', 'plan_approved', undefined, undefined],
      [3, 'system', 'step_completed', 's1', 'step executed'],
      [4, 'system', 'step_completed', 's2', 'step executed'],
    ]);
    expect(audit.entries[0]).toMatchObject({ prevHash: GENESIS_HASH, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(audit.entries[1].prevHash).toBe(audit.entries[0].hash);
    expect(audit.entries[0]).not.toHaveProperty('chain');
    expect(audit.entries[0]).not.toHaveProperty('taskId');

    // Edited behind the server's back, while it runs.
    const editor = new BetterSqlite3(h.db);
    editor.prepare(`UPDATE audit SET stdout = 'nothing to see' WHERE task_id = ? AND seq = 4`).run(taskId);
    editor.close();
    const broken = await readJson(h.client, auditUri(taskId as string));
    expect(broken.chain).toMatchObject({
      intact: false,
      broken: { reason: 'hash_mismatch', seq: 4, stepId: 's2', kind: 'step_completed' },
    });
  });
});
