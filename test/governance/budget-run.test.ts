/**
 * Budgets while tasks run: sampling reserves its worst case and keeps what it used; a request that
 * does not fit fails with BUDGET_EXCEEDED and the task stops (remaining steps skipped naming the
 * budget); warnings at 50 % and 80 % go out as log notifications and audit entries; spend is in the
 * database, so it survives a restart and per-day spend adds up over tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';
import { budgetOf } from './support.js';
import { auditRows, finished, kinds, routedLlm, start, states, status, step, userText } from '../engine-mcp/support.js';

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A long research answer, as a chatty model writes it: about 2,000 tokens. */
const LONG_ANSWER = `Here is what I found.\n\n${'The queue library keeps messages in order and retries failed deliveries. '.repeat(115)}\nHope this helps!`;

/** The tokens a request is taken to have used: its prompt and reply, about four characters a token. */
function used(request: CreateMessageRequest['params'], reply: string): number {
  return Math.ceil(((request.systemPrompt ?? '').length + userText(request).length + reply.length) / 4);
}

function withBudgets(perTask: Config['budgets']['perTask'], perDay: Config['budgets']['perDay'] = {}): Partial<Config> {
  return { budgets: { perTask, perDay } };
}

function detailsOf(row: object): { percent?: number } {
  return JSON.parse((row as { details?: string | null }).details ?? '{}') as { percent?: number };
}

function scratchDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-budget-run-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

describe('a per-task token budget while the task runs', () => {
  it('fails the request that does not fit, skips the remaining steps naming the budget, warns at 50 % and 80 %, and keeps the spend across a restart', async () => {
    const db = scratchDb();
    const llm = routedLlm({}, { research: LONG_ANSWER });
    const config = { ...withBudgets({ tokens: 5_000 }), maxParallel: 1 };
    h = await startHarness({ llm, db, config });
    const planned = await start(h, 'compare queue libraries', [
      { description: 'Research the first library', action: 'research', query: 'first', estimated_tokens: 1_500 },
      { description: 'Research the second library', action: 'research', query: 'second', estimated_tokens: 1_500, depends_on: [0] },
      { description: 'Research the third library', action: 'research', query: 'third', estimated_tokens: 1_500, depends_on: [1] },
      { description: 'Say it is done', action: 'shell', command: 'echo done', depends_on: [1] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'completed', s3: 'failed', s4: 'skipped' });
    expect(kinds(llm)).toEqual(['research', 'research']);
    const spent = llm.requests.reduce((sum, request) => sum + used(request, LONG_ANSWER), 0);
    const third = 2_048 + Math.ceil(((llm.requests[0]?.systemPrompt ?? '').length + 'third'.length) / 4);
    expect(step(task, 's3').error).toBe(
      `LLM research failed: BUDGET_EXCEEDED: the per-task token budget of 5,000 tokens has ${(5_000 - spent).toLocaleString('en-US')} ` +
        `tokens left; this sampling request needs up to ${third.toLocaleString('en-US')} tokens`,
    );
    expect(step(task, 's4').reason).toMatch(/^budget exceeded: the per-task token budget of 5,000 tokens has \d[\d,]* tokens left;/);

    const rows = auditRows(h.db, planned.taskId).filter((row) => row.kind.startsWith('budget_'));
    expect(rows.map((row) => [row.kind, row.actor, detailsOf(row).percent])).toEqual([
      ['budget_warning', 'system', 50],
      ['budget_warning', 'system', 80],
      ['budget_exceeded', 'system', 100],
    ]);
    expect(rows[0]?.comment).toBe(`50 % of the per-task token budget is spent (${spent.toLocaleString('en-US')} of 5,000 tokens)`);
    const told = h.logs.filter((log) => String((log.data as { event?: string }).event).startsWith('budget_'));
    expect(told.map((log) => [log.level, (log.data as { event: string }).event, (log.data as { percent: number }).percent])).toEqual([
      ['warning', 'budget_warning', 50],
      ['warning', 'budget_warning', 80],
      ['warning', 'budget_exceeded', 100],
    ]);
    expect(told[2]?.data).toMatchObject({ taskId: planned.taskId, budget: 'perTask.tokens', limit: 5_000, spent });

    await expect
      .poll(async () => budgetOf(await status(h!, planned.taskId)).task.tokens)
      .toEqual({ spent, limit: 5_000, left: 5_000 - spent });
    const before = budgetOf(await status(h, planned.taskId));
    expect(before.task.reservedTokens).toBe(0);
    expect(before.task.wallSeconds.spent).toBeGreaterThan(0);
    expect(before.day.tokens).toEqual({ spent });

    await h.close();
    h = await startHarness({ llm, db, config });
    const after = budgetOf(await status(h, planned.taskId));
    expect(after.task).toEqual(before.task);
    expect(after.day.tokens).toEqual({ spent });
  });
});

describe('per-day budgets', () => {
  it('add up over tasks: decomposition counts toward the day only, and the day warns in the task that crosses 50 %', async () => {
    const decompose = fenced([{ description: 'Ask about queues', action: 'research', query: 'queues' }], 'Sure, one step will do:');
    const llm = routedLlm({ decompose: [decompose] }, { research: LONG_ANSWER });
    h = await startHarness({ llm, config: { ...withBudgets({}, { tokens: 10_000 }), samplingMaxTokens: 1_000 } });
    const first = await h.ok<{ taskId: string; planHash: string }>('plan', { request: 'which queue library should we use?' });
    await h.ok('approve', { taskId: first.taskId, planHash: first.planHash });
    await finished(h, first.taskId);
    const second = await start(h, 'and which database?', [{ description: 'Ask about databases', action: 'research', query: 'databases' }]);
    await finished(h, second.taskId);

    const [planning, r1, r2] = llm.requests;
    const planned = used(planning!, decompose);
    const total = planned + used(r1!, LONG_ANSWER) + used(r2!, LONG_ANSWER);
    expect(kinds(llm)).toEqual(['decompose', 'research', 'research']);
    await expect
      .poll(async () => budgetOf(await status(h!, second.taskId)).day.tokens)
      .toEqual({
        spent: total,
        limit: 10_000,
        left: 10_000 - total,
      });
    expect(budgetOf(await status(h, first.taskId)).task.tokens.spent).toBe(used(r1!, LONG_ANSWER));
    expect(budgetOf(await status(h, second.taskId)).task.tokens).toEqual({ spent: used(r2!, LONG_ANSWER) });

    const read = await h.client.readResource({ uri: 'orchestrate://budgets' });
    const report = JSON.parse((read.contents[0] as { text: string }).text);
    expect(report).toEqual({
      date: new Date().toISOString().slice(0, 10),
      limits: { perTask: {}, perDay: { tokens: 10_000 } },
      day: {
        tokens: { spent: total, limit: 10_000, left: 10_000 - total },
        wallSeconds: { spent: expect.any(Number) },
        delegations: { spent: 0 },
      },
      reservedTokens: 0,
    });

    expect(auditRows(h.db, first.taskId).filter((row) => row.kind.startsWith('budget_'))).toEqual([]);
    const warned = auditRows(h.db, second.taskId).filter((row) => row.kind === 'budget_warning');
    expect(warned.map((row) => [row.actor, row.comment])).toEqual([
      ['system', `50 % of the per-day token budget is spent (${total.toLocaleString('en-US')} of 10,000 tokens today)`],
    ]);
    expect(JSON.parse((warned[0] as { details?: string }).details ?? '{}')).toMatchObject({ budget: 'perDay.tokens', date: report.date });
  });
});

describe('a per-task wall-time budget', () => {
  it('lets the step that crossed it finish, then skips the rest naming the budget', async () => {
    h = await startHarness({ config: withBudgets({ wallSeconds: 1 }) });
    const planned = await start(h, 'slow work', [
      { description: 'Work for a while', action: 'shell', command: 'sleep 1.2; echo worked' },
      { description: 'Then report', action: 'shell', command: 'echo reported', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'skipped' });
    expect(step(task, 's1').outputs?.stdout).toBe('worked\n');
    expect(step(task, 's2').reason).toMatch(/^budget exceeded: the per-task wall-time budget of 1 s is used up \(\d+ s spent\)$/);
    const budgetRows = auditRows(h.db, planned.taskId).filter((row) => row.kind.startsWith('budget_'));
    expect(budgetRows.map((row) => [row.kind, detailsOf(row).percent])).toEqual([
      ['budget_warning', 50],
      ['budget_warning', 80],
      ['budget_exceeded', 100],
    ]);
    expect(task.summaryText).toContain('budget exceeded: the per-task wall-time budget');
  });
});
