/**
 * Plan-time budget checks: a plan whose estimate does not fit what is left of a budget is refused
 * with BUDGET_EXCEEDED naming the budget and the figures, and nothing is stored. Steps without an
 * estimate count their action's declared default; config mistakes stop the bin with exit 2.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { spawnBin } from '../helpers/bin.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { fenced, ScriptedLlm } from '../helpers/llm.js';
import { writeDb } from '../engine-mcp/support.js';
import Database from 'better-sqlite3';

let h: Harness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function budgets(perTask: Config['budgets']['perTask'], perDay: Config['budgets']['perDay'] = {}): Partial<Config> {
  return { budgets: { perTask, perDay } };
}

function readDb<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function refusal(result: Awaited<ReturnType<Harness['call']>>): { message: string; details: Record<string, unknown> } {
  return (result.structuredContent as { error: { message: string; details: Record<string, unknown> } }).error;
}

describe('plan-time budget check', () => {
  it('refuses a plan estimating 5,000 tokens under a per-task budget of 1,000, storing nothing', async () => {
    h = await startHarness({ config: budgets({ tokens: 1_000 }) });
    const result = await h.call('plan', {
      request: 'summarise the repository',
      steps: [
        { description: 'Survey the code', action: 'research', estimated_tokens: 3_000 },
        { description: 'Draft the summary', action: 'research', estimated_tokens: 2_000, depends_on: [0] },
      ],
    });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('BUDGET_EXCEEDED');
    const error = refusal(result);
    expect(error.message).toBe('The plan does not fit the budget: the per-task token budget is 1,000 tokens; this plan estimates 5,000.');
    expect(error.details).toMatchObject({ budget: 'perTask.tokens', limit: 1_000, estimate: 5_000 });
    expect((await h.ok('status')).total).toBe(0);
  });

  it('counts the declared default of an LLM action whose step gives no estimate, and none for a shell step', async () => {
    h = await startHarness({ config: budgets({ tokens: 4_000 }) });
    const refused = await h.call('plan', {
      request: 'two questions',
      steps: [
        { description: 'First question', action: 'research' },
        { description: 'Second question', action: 'research' },
        { description: 'List files', action: 'shell', command: 'ls' },
      ],
    });
    expect(errorCode(refused)).toBe('BUDGET_EXCEEDED');
    expect(refusal(refused).message).toContain('this plan estimates 5,000');
    const fits = await h.call('plan', {
      request: 'one question',
      steps: [
        { description: 'One question', action: 'research' },
        { description: 'List files', action: 'shell', command: 'ls' },
      ],
    });
    expect(fits.isError).toBeFalsy();
  });

  it('refuses a decomposed plan the same way', async () => {
    const llm = new ScriptedLlm([
      fenced([
        { description: 'Research the options', action: 'research', estimated_tokens: 4_000 },
        { description: 'Compare them', action: 'review', estimated_tokens: 4_000, depends_on: [0] },
      ]),
    ]);
    h = await startHarness({ llm, config: { ...budgets({ tokens: 6_000 }), samplingMaxTokens: 1_000 } });
    const result = await h.call('plan', { request: 'pick a queue library' });
    expect(errorCode(result)).toBe('BUDGET_EXCEEDED');
    expect(refusal(result).message).toContain('the per-task token budget is 6,000 tokens; this plan estimates 8,000');
    expect(llm.requests[0]?.maxTokens).toBe(1_000);
  });

  it('refuses to decompose when today has no room for the request, asking the LLM nothing', async () => {
    const llm = new ScriptedLlm([]);
    h = await startHarness({ llm, config: { ...budgets({}, { tokens: 500 }), samplingMaxTokens: 1_000 } });
    const result = await h.call('plan', { request: 'pick a queue library' });
    expect(errorCode(result)).toBe('BUDGET_EXCEEDED');
    expect(refusal(result).message).toMatch(
      /^BUDGET_EXCEEDED: the per-day token budget of 500 tokens has 500 tokens left today; decomposing this request needs up to [\d,]+ tokens$/,
    );
    expect(llm.requests).toEqual([]);
    const system = readDb(h.db, (db) => db.prepare(`SELECT kind, actor, comment FROM audit WHERE chain = 'system'`).all());
    expect(system).toEqual([{ kind: 'budget_exceeded', actor: 'system', comment: expect.stringContaining('decomposing this request') }]);
  });

  it('refuses a plan with more coding-agent steps than the per-task delegation budget allows', async () => {
    h = await startHarness({ config: { ...budgets({ delegations: 1 }), pluginOptions: { implement: { discover: false } } } });
    const result = await h.call('plan', {
      request: 'two changes',
      steps: [
        { description: 'Change one', action: 'implement', spec: 'one' },
        { description: 'Change two', action: 'implement', spec: 'two', depends_on: [0] },
      ],
    });
    expect(errorCode(result)).toBe('BUDGET_EXCEEDED');
    expect(refusal(result).message).toContain('the per-task delegation budget is 1 delegation; this plan estimates 2');
  });

  it('refuses against what is left today, and any plan once another server used up a per-day budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-budget-day-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    h = await startHarness({ db: join(dir, 'state.db'), config: budgets({}, { tokens: 3_000 }) });
    const big = await h.call('plan', {
      request: 'a big one',
      steps: [{ description: 'Ask', action: 'research', estimated_tokens: 3_500 }],
    });
    expect(refusal(big).message).toBe(
      'The plan does not fit the budget: the per-day token budget is 3,000 tokens with 3,000 left today; this plan estimates 3,500.',
    );
    const today = new Date().toISOString().slice(0, 10);
    writeDb(h.db, `INSERT INTO budget_spend (scope, key, tokens) VALUES ('day', ?, 3000)`, today);
    const none = await h.call('plan', { request: 'a shell one', steps: [{ description: 'List', action: 'shell', command: 'ls' }] });
    expect(errorCode(none)).toBe('BUDGET_EXCEEDED');
    expect(refusal(none).message).toContain('the per-day token budget of 3,000 tokens is used up today (3,000 tokens spent)');
    expect(refusal(none).details).toMatchObject({ budget: 'perDay.tokens', limit: 3_000, spent: 3_000 });
  });
});

describe('budgets config', () => {
  it('defaults to no limits and reads every field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-budget-config-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const none = loadConfig([], { ORCHESTRATE_DB: ':memory:' });
    expect(none.ok && none.config.budgets).toEqual({ perTask: {}, perDay: {} });
    expect(none.ok && none.config.memory).toEqual({ enabled: true, maxEpisodes: 500 });
    const file = join(dir, 'config.json');
    const budgets = { perTask: { tokens: 1_000, wallSeconds: 60, delegations: 2 }, perDay: { tokens: 50_000 } };
    writeFileSync(file, JSON.stringify({ budgets, memory: { enabled: false, maxEpisodes: 10 } }));
    const loaded = loadConfig(['--config', file], {});
    expect(loaded.ok && loaded.config.budgets).toEqual(budgets);
    expect(loaded.ok && loaded.config.memory).toEqual({ enabled: false, maxEpisodes: 10 });
  });

  it('exits 2 naming each invalid budget field, before opening the database (real bin)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-budget-config-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ budgets: { perTask: { tokens: -5, minutes: 3 }, perDay: { wallSeconds: 'long' } } }));
    const db = join(dir, 'state.db');
    const bin = spawnBin(['--config', file, '--db', db, '--inline'], { cwd: dir }, cleanups);
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(2);
    expect(bin.stderr()).toContain('budgets.perTask.tokens');
    expect(bin.stderr()).toContain('budgets.perTask');
    expect(bin.stderr()).toContain('minutes');
    expect(bin.stderr()).toContain('budgets.perDay.wallSeconds');
    expect(bin.stdout()).toBe('');
    expect(existsSync(db)).toBe(false);
  });
});
