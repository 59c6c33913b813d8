/**
 * `ctx.budget` and `ctx.agents` of a third-party plugin, in the server's process and in a plugin
 * host: what is left (refreshed in a host after each call it makes), spend the server cannot see,
 * refused delegations, and delegating a coding task through the configured agents — each agent run
 * counted as a delegation, for the implement action too.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { loadPluginDirs } from '../../src/plugins/loader.js';
import type { PluginSource } from '../../src/plugins/registry.js';
import { finished, start, states, status, step } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm } from '../helpers/llm.js';
import { FIXTURES, hosted } from '../plugins/host-support.js';
import { agentsOnPath, budgetOf } from './support.js';

let h: Harness | undefined;
const scratch: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Spent {
  before: Record<string, number>;
  after: Record<string, number>;
  agents: Array<{ name: string; default: boolean; source: string }>;
  pid: number;
  delegated?: { summary: string; data: { agent: string }; artifacts: string[] };
}

const WAYS: Array<[string, (options: Record<string, Record<string, unknown>>) => Promise<PluginSource[]>]> = [
  ['in the server process', () => loadPluginDirs([join(FIXTURES, 'budget-ctx')])],
  ['in a plugin host', (options) => hosted('budget-ctx', options)],
];

async function harness(
  way: (typeof WAYS)[number][1],
  budgets: Config['budgets'],
  extra: { llm?: ScriptedLlm; implement?: Record<string, unknown> } = {},
): Promise<Harness> {
  const pluginOptions: Record<string, Record<string, unknown>> = extra.implement ? { implement: extra.implement } : {};
  h = await startHarness({
    plugins: await way(pluginOptions),
    config: { budgets, maxParallel: 1, pluginOptions },
    ...(extra.llm ? { llm: extra.llm } : {}),
  });
  return h;
}

const dataOf = (task: Awaited<ReturnType<typeof finished>>, id: string) => step(task, id).outputs?.data as Spent;

describe.each(WAYS)('ctx.budget %s', (_way, load) => {
  it('tells what is left, counts reported tokens, and stops the task once a report passes the budget', async () => {
    const hh = await harness(load, { perTask: { tokens: 1_000, delegations: 2 }, perDay: {} });
    const planned = await start(hh, 'spend', [
      { description: 'Spend 600', action: 'spender', tokens: 600 },
      { description: 'Spend 500 more', action: 'spender', tokens: 500, depends_on: [0] },
      { description: 'Spend nothing', action: 'spender', depends_on: [0] },
    ]);
    const task = await finished(hh, planned.taskId);
    expect(dataOf(task, 's1')).toMatchObject({ before: { tokens: 1_000, delegations: 2 }, after: { tokens: 400, delegations: 2 } });
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped' });
    expect(step(task, 's2').error).toBe('BUDGET_EXCEEDED: the per-task token budget of 1,000 tokens is used up (1,100 tokens spent)');
    expect(step(task, 's3').reason).toBe('budget exceeded: the per-task token budget of 1,000 tokens is used up (1,100 tokens spent)');
    expect(budgetOf(await status(hh, planned.taskId)).task.tokens).toEqual({ spent: 1_100, limit: 1_000, left: 0 });
  });

  it('counts sampling through ctx.llm in what is left at once', async () => {
    const llm = new ScriptedLlm(['hello there']);
    const hh = await harness(load, { perTask: { tokens: 10_000 }, perDay: {} }, { llm });
    const planned = await start(hh, 'ask', [{ description: 'Ask', action: 'spender', ask: 'hi' }]);
    const task = await finished(hh, planned.taskId);
    // Sampling results carry no usage: prompt and reply at four characters a token, rounded up.
    expect(dataOf(task, 's1')).toMatchObject({
      before: { tokens: 10_000 },
      after: { tokens: 10_000 - Math.ceil(('hi' + 'hello there').length / 4) },
    });
  });

  it('refuses delegations the budget has no room for, without counting them', async () => {
    const hh = await harness(load, { perTask: { delegations: 2 }, perDay: {} });
    const planned = await start(hh, 'delegate', [
      { description: 'Take one delegation', action: 'spender', delegations: 1 },
      { description: 'Want two more', action: 'spender', delegations: 2, depends_on: [0] },
    ]);
    const task = await finished(hh, planned.taskId);
    expect(dataOf(task, 's1')).toMatchObject({ before: { delegations: 2 }, after: { delegations: 1 } });
    expect(step(task, 's2').error).toBe(
      'BUDGET_EXCEEDED: the per-task delegation budget of 2 delegations has 1 delegation left; this delegation needs up to 2 delegations',
    );
    expect(budgetOf(await status(hh, planned.taskId)).task.delegations).toEqual({ spent: 1, limit: 2, left: 1 });
  });

  it('stops the task once the last delegation is taken', async () => {
    const hh = await harness(load, { perTask: { delegations: 1 }, perDay: {} });
    const planned = await start(hh, 'delegate', [
      { description: 'Take the one delegation', action: 'spender', delegations: 1 },
      { description: 'Then more work', action: 'spender', depends_on: [0] },
    ]);
    const task = await finished(hh, planned.taskId);
    expect(states(task)).toEqual({ s1: 'completed', s2: 'skipped' });
    expect(step(task, 's2').reason).toBe('budget exceeded: the per-task delegation budget of 1 delegation is used up (1 delegation spent)');
  });
});

describe.each(WAYS)('ctx.agents %s', (_way, load) => {
  it('lists the configured and discovered agents and delegates through them, counting the run', async () => {
    const path = agentsOnPath({ claude: 'writes' }, scratch);
    const implement = { path, agents: { helper: { command: join(path, 'claude'), args: ['{spec}'] } }, default: 'claude' };
    const hh = await harness(load, { perTask: { delegations: 3 }, perDay: {} }, { implement });
    const planned = await start(hh, 'write notes', [{ description: 'Delegate the notes', action: 'spender', delegate: 'write the notes' }]);
    const task = await finished(hh, planned.taskId);
    expect(task.phase).toBe('completed');
    const data = dataOf(task, 's1');
    expect(data.agents).toEqual([
      { name: 'helper', command: join(path, 'claude'), aliases: [], default: false, source: 'configured' },
      { name: 'claude', command: join(path, 'claude'), aliases: ['claude-code'], default: true, source: 'discovered' },
    ]);
    expect(data.delegated).toEqual({
      summary: 'claude: did: write the notes',
      data: { agent: 'claude' },
      artifacts: [join(hh.dir, 'NOTES.md'), join(hh.dir, 'claude.txt')],
    });
    expect(JSON.parse(readFileSync(join(hh.dir, 'claude.txt'), 'utf8'))).toEqual(['-p', 'write the notes']);
    expect(data.before.delegations).toBe(3);
    expect(data.after.delegations).toBe(2);
  });
});

describe('implement and the delegation budget', () => {
  it('counts each agent run: a fallback the budget has no room for is not started', async () => {
    const path = agentsOnPath({ claude: 'fails', aider: 'writes' }, scratch);
    h = await startHarness({
      config: { budgets: { perTask: { delegations: 1 }, perDay: {} }, pluginOptions: { implement: { path, fallbacks: ['aider'] } } },
    });
    const planned = await start(h, 'fix', [{ description: 'Fix the bug', action: 'implement', spec: 'fix the bug', agent: 'claude' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(step(task, 's1').error).toBe(
      'BUDGET_EXCEEDED: the per-task delegation budget of 1 delegation has 0 delegations left; this delegation needs up to 1 delegation',
    );
    expect(existsSync(join(h.dir, 'aider.txt'))).toBe(false);
    expect(budgetOf(await status(h, planned.taskId)).task.delegations).toEqual({ spent: 1, limit: 1, left: 0 });
  });
});
