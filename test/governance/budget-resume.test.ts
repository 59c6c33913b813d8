/**
 * Budgets and resumed tasks: a server that stops mid-request leaves its token hold in the database;
 * the server that takes the task over gives the hold back (that request will never settle) and
 * counts what the task spends from then on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { finished, routedLlm, start, status, step, until, writeDb } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { budgetOf } from './support.js';

const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const config = { budgets: { perTask: { tokens: 20_000 }, perDay: { tokens: 100_000 } }, samplingMaxTokens: 1_000 };

describe('a resumed task and its token holds', () => {
  it('gives back the hold a stopped server left and counts what the task spends on the next server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-budget-resume-'));
    dirs.push(dir);
    const db = join(dir, 'state.db');
    const hanging = routedLlm({}, { research: () => new Promise<string>(() => {}) });
    const first = await startHarness({ llm: hanging, db, config });
    open.push(first);
    const planned = await start(first, 'look it up', [{ description: 'Look it up', action: 'research', query: 'what changed?' }]);
    await until(first, planned.taskId, (t) => step(t, 's1').state === 'running');
    await expect.poll(async () => budgetOf(await status(first, planned.taskId)).task.reservedTokens).toBeGreaterThan(1_000);
    open.splice(0);
    await first.close();

    // A server killed mid-request never settles: its hold stays in the ledger, as written here.
    const afterStop = ledger(db, planned.taskId);
    expect(afterStop.task.reserved_tokens).toBe(0);
    expect(afterStop.task.tokens).toBeGreaterThan(0);
    const held = 1_500;
    const day = new Date().toISOString().slice(0, 10);
    const sql = 'UPDATE budget_spend SET tokens = tokens + ?, reserved_tokens = reserved_tokens + ? WHERE key IN (?, ?)';
    expect(writeDb(db, sql, held, held, planned.taskId, day)).toBe(2);
    expect(ledger(db, planned.taskId).task).toEqual({ tokens: afterStop.task.tokens + held, reserved_tokens: held });

    const answering = routedLlm({}, { research: () => 'It changed a lot.' });
    const second = await startHarness({ llm: answering, db, config });
    open.push(second);
    const task = await finished(second, planned.taskId);
    expect(step(task, 's1').summary).toContain('It changed a lot.');
    const budget = budgetOf(await status(second, planned.taskId));
    expect(budget.task.reservedTokens).toBe(0);
    const request = answering.requests[0];
    const used = Math.ceil(((request?.systemPrompt ?? '').length + 'what changed?'.length + 'It changed a lot.'.length) / 4);
    expect(budget.task.tokens.spent).toBe(afterStop.task.tokens + used);
    expect(budget.day.tokens.spent).toBe(afterStop.day.tokens + used);
    expect(ledger(db, planned.taskId).day.reserved_tokens).toBe(0);
  });
});

/** The ledger rows of a task and of today, read straight from the file. */
function ledger(db: string, taskId: string): { task: SpendRow; day: SpendRow } {
  const file = new Database(db, { readonly: true });
  try {
    const row = (key: string) =>
      (file.prepare('SELECT tokens, reserved_tokens FROM budget_spend WHERE key = ?').get(key) as SpendRow | undefined) ?? {
        tokens: 0,
        reserved_tokens: 0,
      };
    return { task: row(taskId), day: row(new Date().toISOString().slice(0, 10)) };
  } finally {
    file.close();
  }
}

interface SpendRow {
  tokens: number;
  reserved_tokens: number;
}
