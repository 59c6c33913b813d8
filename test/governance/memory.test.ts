/**
 * Episodic memory: a finished task is remembered — its request, plan, what failed and what
 * recovered it — and the planning prompts of similar requests (sampling, needs_plan, the
 * plan_request prompt and the repair prompt) show it under "Past similar tasks"; unrelated requests
 * do not get it, nor does a server with memory off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { SqliteEpisodeMemory } from '../../src/store/episode-memory.js';
import type { Episode } from '../../src/engine/governance/ports.js';
import { finished, kinds, routedLlm, userText } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fenced, type ScriptedLlm } from '../helpers/llm.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FIRST = 'Upgrade the test suite to vitest 4';
const FAILING_PLAN = fenced([{ description: 'Run the old test runner', action: 'execute', command: 'false' }]);
const REPAIR = fenced([{ description: 'Install vitest 4 and run it', action: 'shell', command: 'echo upgraded' }], 'Try this instead:');
const HEADING = 'Past similar tasks on this server';

async function planAndRun(hh: Harness, request: string): Promise<string> {
  const planned = await hh.ok<{ taskId: string; planHash: string }>('plan', { request });
  await hh.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  await finished(hh, planned.taskId);
  return planned.taskId;
}

async function promptFor(client: Harness['client'], request: string): Promise<string> {
  const prompt = await client.getPrompt({ name: 'plan_request', arguments: { request } });
  return (prompt.messages[0]?.content as { text: string }).text;
}

/** A task that fails at its first step and is recovered by a replan, then remembered. */
async function rememberFailure(llm: ScriptedLlm, config = {}): Promise<Harness> {
  h = await startHarness({ llm, config });
  await planAndRun(h, FIRST);
  expect(kinds(llm)).toEqual(['decompose', 'repair']);
  return h;
}

describe('past similar tasks in planning prompts', () => {
  it('shows a similar request what failed before and what recovered it; an unrelated one gets nothing', async () => {
    const next = fenced([{ description: 'Run vitest', action: 'shell', command: 'echo ok' }]);
    const llm = routedLlm({ decompose: [FAILING_PLAN, next, next], repair: [REPAIR] });
    const hh = await rememberFailure(llm);
    const similar = 'Upgrade the vitest test suite of the web app';
    await expect.poll(() => promptFor(hh.client, similar)).toContain(HEADING);

    await planAndRun(hh, similar);
    const prompt = userText(llm.requests[2]!);
    expect(prompt).toContain(
      `${HEADING} (learn from them: do not plan again what failed the same way; build on what recovered it):\n` +
        `1. "${FIRST}" — failed. Plan: execute. Failed: "Run the old test runner" (execute): Command failed (exit 1): false. ` +
        'Recovered by: "Install vitest 4 and run it" (shell).',
    );
    expect(await promptFor(hh.client, 'Write a haiku about autumn leaves')).not.toContain(HEADING);
    await planAndRun(hh, 'Write a haiku about autumn leaves');
    expect(kinds(llm)).toEqual(['decompose', 'repair', 'decompose', 'decompose']);
    expect(userText(llm.requests[3]!)).not.toContain(HEADING);
  });

  it('puts them in the needs_plan prompt of a client that cannot sample, and in the repair prompt', async () => {
    const llm = routedLlm({ decompose: [FAILING_PLAN, FAILING_PLAN], repair: [REPAIR, '[]'] });
    const hh = await rememberFailure(llm);
    const similar = 'Upgrade our flaky test suite to vitest';
    await expect.poll(() => promptFor(hh.client, similar)).toContain(HEADING);

    const writer = await hh.connectClient();
    const needsPlan = (await writer.callTool({ name: 'plan', arguments: { request: similar } })).structuredContent as {
      phase: string;
      planningPrompt: string;
    };
    expect(needsPlan.phase).toBe('needs_plan');
    expect(needsPlan.planningPrompt).toContain(`1. "${FIRST}" — failed.`);

    await planAndRun(hh, similar);
    const repair = llm.requests[3]!;
    expect(kinds(llm)).toEqual(['decompose', 'repair', 'decompose', 'repair']);
    expect(userText(repair)).toContain(`${HEADING}`);
    expect(userText(repair)).toContain('Recovered by: "Install vitest 4 and run it" (shell).');
  });

  it('keeps nothing when memory is off', async () => {
    const llm = routedLlm({ decompose: [FAILING_PLAN], repair: [REPAIR] });
    const hh = await rememberFailure(llm, { memory: { enabled: false, maxEpisodes: 500 } });
    await hh.ok('status');
    expect(await promptFor(hh.client, 'Upgrade the vitest test suite of the web app')).not.toContain(HEADING);
  });
});

describe('episode memory (SQLite FTS5)', () => {
  function episode(taskId: string, request: string): Episode {
    return {
      taskId,
      request,
      outcome: 'completed',
      endedAt: '2026-12-01T10:00:00.000Z',
      plan: [{ action: 'shell', description: 'Do it' }],
      failures: [],
      recoveredBy: [],
      agents: [],
    };
  }

  it('finds requests sharing two words (stemmed), best match first, and prunes the oldest beyond maxEpisodes', async () => {
    const db = openDatabase(':memory:');
    try {
      const memory = new SqliteEpisodeMemory(db, { maxEpisodes: 2 });
      await memory.record(episode('a', 'Deploy the billing service to staging'));
      await memory.record(episode('b', 'Migrate the billing database schema'));
      await memory.record(episode('c', 'Deploying billing services to production'));
      expect((await memory.recall('deploy the billing service', 3)).map((e) => e.taskId)).toEqual(['c']);
      expect((await memory.recall('billing schema migrations', 3)).map((e) => e.taskId)).toEqual(['b']);
      expect(await memory.recall('billing reports for finance', 3)).toEqual([]);
      expect((await memory.recall('billing', 3)).map((e) => e.taskId)).toEqual(['c', 'b']);
      expect(await memory.recall('', 3)).toEqual([]);
      await memory.record(episode('c', 'Deploying billing services to production, again'));
      expect((await memory.recall('billing production', 3)).map((e) => e.request)).toEqual([
        'Deploying billing services to production, again',
      ]);
    } finally {
      db.close();
    }
  });
});
