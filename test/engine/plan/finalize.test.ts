import { describe, it, expect } from 'vitest';
import { testCatalogue } from '../../helpers/catalogue.js';
import { finalizeDrafts } from '../../../src/engine/plan/finalize.js';
import { planFromLlmText } from '../../../src/engine/plan/lenient.js';

const plan = (steps: unknown[], options: { allowlist?: string[]; agents?: string[] } = {}) =>
  planFromLlmText(JSON.stringify(steps), testCatalogue(options), options);

describe('finalizeDrafts', () => {
  it('gives every step a fresh id and turns indices into ids', async () => {
    let next = 0;
    const drafts = await plan([
      { description: 'a', action: 'research' },
      { description: 'b', action: 'shell', command: 'ls' },
      { description: 'c', action: 'review', depends_on: [0, 1] },
    ]);
    const steps = finalizeDrafts(drafts, () => `id-${(next += 1)}`);
    expect(steps.map((step) => [step.id, step.dependsOn])).toEqual([
      ['id-1', []],
      ['id-2', ['id-1']],
      ['id-3', ['id-1', 'id-2']],
    ]);
    expect(steps[1]).toEqual({
      id: 'id-2',
      action: 'shell',
      description: 'b',
      dependsOn: ['id-1'],
      tier: 'execute',
      input: { command: 'ls' },
      estimatedTokens: 0,
      commands: ['ls'],
      tierReasons: [],
    });
  });

  it('uses a new id on every call', async () => {
    const drafts = await plan([{ description: 'a', action: 'research' }]);
    const first = finalizeDrafts(drafts, () => crypto.randomUUID());
    const second = finalizeDrafts(drafts, () => crypto.randomUUID());
    expect(first[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first[0]?.id).not.toBe(second[0]?.id);
  });
});
