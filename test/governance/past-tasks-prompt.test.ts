/** The "Past similar tasks" section of the planning prompts: where it goes, what it says, and its size cap. */
import { describe, expect, it } from 'vitest';
import type { Episode } from '../../src/engine/governance/ports.js';
import { buildDecomposePrompt, buildRepairPrompt, pastTasksSection } from '../../src/engine/plan/prompt.js';
import { testCatalogue } from '../helpers/catalogue.js';

function episode(n: number, extra: Partial<Episode> = {}): Episode {
  return {
    taskId: `t${n}`,
    request: `Release version ${n} of the billing service`,
    outcome: 'failed',
    endedAt: '2026-12-01T10:00:00.000Z',
    plan: [
      { action: 'test', description: 'Run the tests' },
      { action: 'shell', description: 'Tag the release' },
    ],
    failures: [{ action: 'test', description: 'Run the tests', error: 'Command failed (exit 1): npm test' }],
    recoveredBy: [{ action: 'shell', description: 'Update the snapshots' }],
    agents: ['claude'],
    ...extra,
  };
}

describe('past similar tasks in prompts', () => {
  it('says what was planned, what failed and what recovered it, after the facts and before the roster', () => {
    const { userMessage } = buildDecomposePrompt('release the billing service', {
      catalogue: testCatalogue({ agents: ['claude'] }),
      facts: ['the repo uses npm'],
      episodes: [episode(1)],
    });
    const past =
      'Past similar tasks on this server (learn from them: do not plan again what failed the same way; build on what recovered it):\n' +
      '1. "Release version 1 of the billing service" — failed. Plan: test → shell. Failed: "Run the tests" (test): Command failed ' +
      '(exit 1): npm test. Recovered by: "Update the snapshots" (shell). Agents: claude.';
    expect(userMessage).toContain(past);
    expect(userMessage.indexOf('Relevant project context')).toBeLessThan(userMessage.indexOf(past));
    expect(userMessage.indexOf(past)).toBeLessThan(userMessage.indexOf('Agents for implement steps'));
  });

  it('says when nothing recovered a failure, and why a task stopped without a failed step', () => {
    const [text] = pastTasksSection([
      episode(1, { recoveredBy: [] }),
      episode(2, { failures: [], recoveredBy: [], note: 'budget exceeded: the per-task token budget of 1,000 tokens is used up' }),
    ]);
    expect(text).toContain('npm test. Nothing recovered it.');
    expect(text).toContain('2. "Release version 2 of the billing service" — failed. Plan: test → shell. Stopped: budget exceeded:');
  });

  it('stays within 1,500 characters however long the episodes, and is left out when there are none', () => {
    const long = 'x'.repeat(900);
    const [text] = pastTasksSection([1, 2, 3].map((n) => episode(n, { request: `${n} ${long}` })));
    expect(text!.length).toBeLessThanOrEqual(1_500);
    expect(text).toMatch(/\n1\. "1 x+/);
    expect(text).toMatch(/…$/);
    expect(pastTasksSection([])).toEqual([]);
    const repair = buildRepairPrompt(
      { originalRequest: 'r', failedStep: 'f', error: 'e', completed: [] },
      { catalogue: testCatalogue(), episodes: [] },
    );
    expect(repair.userMessage).not.toContain('Past similar tasks');
  });
});
