import { describe, it, expect } from 'vitest';
import type { ActionCatalogue, ActionInfo } from '../../../src/engine/catalogue.js';
import { planFromLlmText } from '../../../src/engine/plan/lenient.js';
import { buildDecomposePrompt, buildRepairPrompt, recapExcerpt, stepDraftJsonSchema } from '../../../src/engine/plan/prompt.js';
import { TIERS } from '../../../src/engine/model.js';
import { builtinPlanner } from '../../helpers/catalogue.js';

const NAMES = ['research', 'plan', 'implement', 'execute', 'test', 'shell', 'review', 'notify'];

function info(name: string): ActionInfo {
  const field = name === 'shell' || name === 'execute' || name === 'test' ? 'command' : `${name}_text`;
  return {
    name,
    description: `Does ${name} things.`,
    tier: name === 'implement' ? 'write' : 'read',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        [field]: { type: 'string', description: `what ${name} works on` },
        level: { type: ['integer', 'null'], enum: [1, 2] },
      },
      required: [field],
    },
    planner: builtinPlanner(name),
    effects: 'idempotent',
    effectsMayLower: false,
  };
}

/** The prompt only reads the action list; every input passes. */
function catalogue(names: string[] = NAMES, agents: string[] = []): ActionCatalogue {
  const infos = names.map(info);
  return {
    has: (name) => names.includes(name),
    info: (name) => infos.find((entry) => entry.name === name),
    list: () => infos,
    checkInput: async (action, input) => ({
      ok: true,
      input,
      commands: [],
      required: { tier: infos.find((entry) => entry.name === action)?.tier ?? 'destructive', reasons: [] },
    }),
    contextLines: () =>
      agents.length > 0 ? [`Agents for implement steps (agent MUST be exactly one of these): ${agents.join(', ')}`] : [],
  };
}

const repair = {
  originalRequest: 'Summarise the README',
  failedStep: 'Convert the PDF',
  error: 'pdftotext: command not found',
  completed: [] as { description: string; outputExcerpt: string }[],
};

describe('buildDecomposePrompt', () => {
  it('names every action in double quotes and demands JSON only', async () => {
    const { systemPrompt } = buildDecomposePrompt('do x', { catalogue: catalogue() });
    for (const name of NAMES) expect(systemPrompt).toContain(`"${name}"`);
    expect(systemPrompt).toContain('ONLY valid JSON');
    expect(systemPrompt.endsWith('Return ONLY valid JSON (an array of objects). No markdown.')).toBe(true);
  });

  it('describes each action with its description, default tier and input fields', async () => {
    const { systemPrompt } = buildDecomposePrompt('do x', { catalogue: catalogue() });
    expect(systemPrompt).toContain(
      '- "shell": Does shell things. Default tier: read. Input: command (string, required) — what shell works on; level (integer | null, one of 1, 2)',
    );
    expect(systemPrompt).toContain('"implement": Does implement things. Default tier: write.');
  });

  it('explains the step fields, the tiers and the planning rules', async () => {
    const { systemPrompt } = buildDecomposePrompt('do x', { catalogue: catalogue() });
    for (const field of ['"description"', '"action"', '"input"', '"depends_on"', '"tier"', '"estimated_tokens"', '0-based']) {
      expect(systemPrompt).toContain(field);
    }
    for (const tier of TIERS) expect(systemPrompt).toContain(`- ${tier}:`);
    expect(systemPrompt).toContain('Prefer "shell"');
    expect(systemPrompt).toContain('one after another by default');
    expect(systemPrompt).toContain('Put "notify" last');
    expect(systemPrompt).toContain('Never plan installing tools');
    expect(systemPrompt).toContain('Relevant project context" as ground truth');
    expect(systemPrompt).toContain('minimal');
  });

  it('leaves out rules for actions that are not loaded', async () => {
    const { systemPrompt } = buildDecomposePrompt('do x', { catalogue: catalogue(['research', 'plan']) });
    expect(systemPrompt).not.toContain('Prefer "shell"');
    expect(systemPrompt).not.toContain('"notify"');
    expect(systemPrompt).toContain('ONLY valid JSON');
  });

  it('puts the quoted request alone in the user message when there is no context', async () => {
    const { userMessage } = buildDecomposePrompt('Build the docs', { catalogue: catalogue(), facts: [], allowlist: [] });
    expect(userMessage).toBe('Decompose this request into steps:\n\n"Build the docs"');
  });

  it('adds facts, sandbox binaries and agents in that order', async () => {
    const { userMessage } = buildDecomposePrompt('Build the docs', {
      catalogue: catalogue(NAMES, ['claude-code', 'qwen']),
      facts: ['package.json defines "npm run docs"', '  ', 'docs live in docs/'],
      allowlist: ['npm', 'ls'],
    });
    expect(userMessage).toBe(
      [
        'Decompose this request into steps:',
        '',
        '"Build the docs"',
        '',
        'Relevant project context (treat as ground truth):',
        '- package.json defines "npm run docs"',
        '- docs live in docs/',
        '',
        'Available sandbox binaries (every command of an action that runs one binary without a shell must start with one of these): npm, ls',
        '',
        'Agents for implement steps (agent MUST be exactly one of these): claude-code, qwen',
      ].join('\n'),
    );
  });
});

describe('buildRepairPrompt', () => {
  it('states the repair rules and demands JSON only', async () => {
    const { systemPrompt } = buildRepairPrompt(repair, { catalogue: catalogue() });
    expect(systemPrompt).toContain('ONLY valid JSON');
    expect(systemPrompt).toContain('Do not redo work that already succeeded');
    expect(systemPrompt).toContain('Do not retry the failed step as it was');
    expect(systemPrompt).toContain('single "notify" step that explains the blocker');
    expect(systemPrompt).toContain('never more than 6');
    expect(systemPrompt).toContain('one after another by default');
    for (const name of NAMES) expect(systemPrompt).toContain(`"${name}"`);
  });

  it('says nothing succeeded yet when no step completed', async () => {
    const { userMessage } = buildRepairPrompt(repair, { catalogue: catalogue() });
    expect(userMessage).toBe(
      [
        'Original request: "Summarise the README"',
        '',
        'What already succeeded (do NOT redo):',
        '(nothing yet)',
        '',
        'Failed step: Convert the PDF',
        'Actual error: pdftotext: command not found',
      ].join('\n'),
    );
  });

  it('recaps completed steps with indented stdout, or (no stdout)', async () => {
    const { userMessage } = buildRepairPrompt(
      {
        ...repair,
        completed: [
          { description: 'Find the PDF', outputExcerpt: 'docs/a.pdf\ndocs/b.pdf\n' },
          { description: 'Make a folder', outputExcerpt: '  ' },
        ],
      },
      { catalogue: catalogue(NAMES, ['qwen']), allowlist: ['ls', 'cat'] },
    );
    expect(userMessage).toContain(
      'What already succeeded (do NOT redo):\n- Find the PDF\n  stdout:\n    docs/a.pdf\n    docs/b.pdf\n- Make a folder\n  (no stdout)\n\nFailed step:',
    );
    expect(userMessage).toContain('Available sandbox binaries (commands run through a shell are not limited by this list): ls, cat');
    expect(userMessage).toContain('Agents for implement steps (agent MUST be exactly one of these): qwen');
  });

  it('feeds its reply through the same pipeline as the first plan', async () => {
    const reply =
      '```json\n[{"description":"Try another tool","action":"shell","command":"mutool draw a.pdf"},{"description":"Tell the user","action":"notify","tier":"external"}]\n```';
    const drafts = await planFromLlmText(reply, catalogue());
    expect(drafts.map((draft) => [draft.action, draft.dependsOn, draft.tier])).toEqual([
      ['shell', [], 'read'],
      ['notify', [0], 'external'],
    ]);
  });
});

describe('recapExcerpt', () => {
  it('trims short output and keeps it whole', async () => {
    expect(recapExcerpt('  hello\n')).toBe('hello');
    expect(recapExcerpt('x'.repeat(1500))).toBe('x'.repeat(1500));
  });

  it('cuts long output to 1,500 characters with a marker', async () => {
    expect(recapExcerpt(`${'y'.repeat(1501)}\n`)).toBe(`${'y'.repeat(1500)}\n…[truncated]`);
  });
});

describe('stepDraftJsonSchema', () => {
  it('describes an array of step drafts over the loaded actions', async () => {
    const schema = stepDraftJsonSchema(catalogue());
    expect(schema).toMatchObject({
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['description', 'action'],
        properties: {
          action: { type: 'string', enum: NAMES },
          tier: { enum: [...TIERS] },
          depends_on: { type: 'array', items: { type: 'integer', minimum: 0 } },
          estimated_tokens: { type: 'integer', minimum: 0 },
        },
      },
    });
  });

  it("attaches each action's input schema without its $schema key", async () => {
    const schema = stepDraftJsonSchema(catalogue(['shell']));
    const rule = {
      if: { properties: { action: { const: 'shell' } } },
      then: { properties: { input: expect.not.objectContaining({ $schema: expect.anything() }) } },
    };
    expect(schema).toMatchObject({ items: { allOf: [rule] } });
    expect(JSON.stringify(schema)).toContain('"required":["command"]');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
