import { describe, it, expect } from 'vitest';
import { rejection } from '../../helpers/catalogue.js';
import { parseLlmSteps } from '../../../src/engine/plan/parse.js';

describe('parseLlmSteps', () => {
  it('reads a well-formed reply', async () => {
    const drafts = parseLlmSteps(
      '[{"description":"Look it up","action_type":"research","query":"what is x","depends_on":[],"tier":"read","estimated_tokens":500},' +
        '{"description":"Run it","action":"shell","command":"ls","depends_on":[0]}]',
    );
    expect(drafts).toEqual([
      {
        description: 'Look it up',
        actionType: 'research',
        action: undefined,
        tier: 'read',
        dependsOn: [],
        estimatedTokens: 500,
        fields: { query: 'what is x' },
      },
      {
        description: 'Run it',
        action: 'shell',
        actionType: undefined,
        tier: undefined,
        dependsOn: [0],
        estimatedTokens: 0,
        fields: { command: 'ls' },
      },
    ]);
  });

  it('treats null fields as absent', async () => {
    const [draft] = parseLlmSteps(
      '[{"description":"d","action_type":"research","query":null,"agent":null,"tier":null,"depends_on":null,"estimated_tokens":null,"input":null}]',
    );
    expect(draft).toEqual({
      description: 'd',
      actionType: 'research',
      action: undefined,
      tier: undefined,
      dependsOn: [],
      estimatedTokens: 0,
      fields: {},
    });
  });

  it('turns an integer tier into text', async () => {
    expect(parseLlmSteps('[{"description":"d","action_type":"plan","tier":1}]')[0]?.tier).toBe('1');
  });

  it('keeps action fields as written, and reads a numeric description as text', async () => {
    const [draft] = parseLlmSteps('[{"description":42,"action_type":"shell","command":7,"query":2.5,"message":true,"channel":0}]');
    expect(draft?.description).toBe('42');
    expect(draft?.fields).toEqual({ command: 7, query: 2.5, message: true, channel: 0 });
  });

  it('treats empty strings as absent', async () => {
    const [draft] = parseLlmSteps('[{"description":"d","action":"","action_type":"","command":"","tier":""}]');
    expect(draft).toMatchObject({ action: undefined, actionType: undefined, tier: undefined, fields: {} });
  });

  it('wraps a bare integer depends_on and drops a negative one', async () => {
    const drafts = parseLlmSteps('[{"description":"a"},{"description":"b","depends_on":0},{"description":"c","depends_on":-1}]');
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [0], []]);
  });

  it('keeps only non-negative whole numbers in a depends_on array, numerals included', async () => {
    const [draft] = parseLlmSteps('[{"description":"a","depends_on":[0,"1",null,-1,1.5,{},2,true," 3 "]}]');
    expect(draft?.dependsOn).toEqual([0, 1, 2, 3]);
  });

  it.each([
    ['"0"', [0]],
    ['"0, 1"', [0, 1]],
    ['"[0, 1]"', [0, 1]],
    ['"0 1"', [0, 1]],
    ['["0", "1"]', [0, 1]],
    ['1.0', [1]],
    ['1.5', []],
    ['""', []],
  ])('reads depends_on written as %s', async (value, expected) => {
    const drafts = parseLlmSteps(`[{"description":"a"},{"description":"b"},{"description":"c","depends_on":${value}}]`);
    expect(drafts[2]?.dependsOn).toEqual(expected);
  });

  it.each(['true', '{"0":1}', '"after the first"', '"step 1"'])('rejects depends_on written as %s', async (value) => {
    const error = rejection(() => parseLlmSteps(`[{"description":"a"},{"description":"b","depends_on":${value}}]`));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('Failed to parse LLM output: step 2: "depends_on"');
    expect(error.details).toEqual({ step: 2, field: 'depends_on' });
  });

  it.each([
    ['250', 250],
    ['"250"', 250],
    ['" 40 "', 40],
    ['1.5', 2],
    ['"99.4"', 99],
    ['-1', 0],
    ['"-10"', 0],
    ['"lots"', 0],
    ['true', 0],
    ['[100]', 0],
    ['{"in":1}', 0],
  ])('repairs estimated_tokens written as %s to %s', async (value, expected) => {
    expect(parseLlmSteps(`[{"description":"a","estimated_tokens":${value}}]`)[0]?.estimatedTokens).toBe(expected);
  });

  it('keeps an array or object in an action field as written, for the action to judge', async () => {
    const [, draft] = parseLlmSteps('[{"description":"a"},{"description":"b","command":["ls","-l"],"notes":{"why":"x"}}]');
    expect(draft?.fields).toEqual({ command: ['ls', '-l'], notes: { why: 'x' } });
  });

  it('rejects a description that is not text, naming step and field', async () => {
    const error = rejection(() => parseLlmSteps('[{"description":"a"},{"description":{"text":"b"}}]'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('Failed to parse LLM output: step 2: "description" must be text, not an object');
    expect(error.details).toEqual({ step: 2, field: 'description' });
  });

  it('keeps a tier of an odd type as text that names no tier', async () => {
    const drafts = parseLlmSteps(
      '[{"description":"a","tier":["read"]},{"description":"b","tier":{"level":"low"}},{"description":"c","tier":true}]',
    );
    expect(drafts.map((draft) => draft.tier)).toEqual(['["read"]', '{"level":"low"}', 'true']);
  });

  it('rejects a nested input that is not an object', async () => {
    const error = rejection(() => parseLlmSteps('[{"description":"a","input":"ls"}]'));
    expect(error.message).toContain('"input" must be an object');
    expect(error.details).toEqual({ step: 1, field: 'input' });
  });

  it('keeps the nested input and unknown keys', async () => {
    const [draft] = parseLlmSteps('[{"description":"a","action":"shell","input":{"command":"ls"},"id":"s1","timeout":5}]');
    expect(draft?.input).toEqual({ command: 'ls' });
    expect(draft?.fields).toEqual({ id: 's1', timeout: 5 });
  });

  it('unwraps a markdown-fenced array', async () => {
    const drafts = parseLlmSteps('```json\n[{"description":"a","action_type":"plan"}]\n```');
    expect(drafts).toHaveLength(1);
  });

  it('ignores prose before and after the array', async () => {
    const reply =
      'Sure! Here is the plan:\n\n```json\n[\n  {"description": "a", "action": "plan"},\n  {"description": "b", "action": "plan"}\n]\n```\n\nLet me know if you want changes.';
    expect(parseLlmSteps(reply).map((draft) => draft.description)).toEqual(['a', 'b']);
  });

  it('rejects trailing prose that contains brackets', async () => {
    const error = rejection(() => parseLlmSteps('[{"description":"a"}]\nNote: see [the docs] for details.'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^Failed to parse LLM output: /);
  });

  it('rejects text that is not JSON', async () => {
    const error = rejection(() => parseLlmSteps('I cannot help with that.'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^Failed to parse LLM output: /);
  });

  it('rejects a top-level object', async () => {
    const error = rejection(() => parseLlmSteps('{"steps": {"description": "a"}}'));
    expect(error.message).toBe('Failed to parse LLM output: expected a JSON array of step objects');
  });

  it('rejects an element that is not an object', async () => {
    const error = rejection(() => parseLlmSteps('[{"description":"a"}, "run ls"]'));
    expect(error.message).toBe('Failed to parse LLM output: step 2 is not an object');
    expect(error.details).toEqual({ step: 2 });
  });

  it('rejects an empty plan', async () => {
    for (const reply of ['[]', '```json\n[ ]\n```']) {
      const error = rejection(() => parseLlmSteps(reply));
      expect(error.code).toBe('PLAN_INVALID');
      expect(error.message).toBe('Empty plan — LLM produced no steps');
    }
  });
});
