import { describe, it, expect } from 'vitest';
import { rejectionAsync, testCatalogue } from '../../helpers/catalogue.js';
import { validateHostDrafts } from '../../../src/engine/plan/strict.js';

const validate = (drafts: unknown[], options: { allowlist?: string[]; agents?: string[] } = {}) =>
  validateHostDrafts(drafts, testCatalogue(options));

const ok = (description: string, extra: Record<string, unknown> = {}) => ({ description, action: 'shell', command: 'ls', ...extra });

describe('validateHostDrafts: accepted plans', () => {
  it('takes a well-formed plan as written', async () => {
    const drafts = await validate([
      { description: 'Find the config', action: 'research', input: { query: 'where?' }, estimated_tokens: 300 },
      { description: 'List files', action: 'shell', input: { command: 'ls' }, depends_on: [0], tier: 'read' },
    ]);
    expect(drafts).toEqual([
      {
        description: 'Find the config',
        action: 'research',
        dependsOn: [],
        tier: 'read',
        input: { query: 'where?' },
        estimatedTokens: 300,
        commands: [],
        required: { tier: 'read', reasons: [] },
      },
      {
        description: 'List files',
        action: 'shell',
        dependsOn: [0],
        tier: 'read',
        input: { command: 'ls' },
        estimatedTokens: 0,
        commands: ['ls'],
        required: { tier: 'execute', reasons: [] },
      },
    ]);
  });

  it("uses the action's default tier when none is given", async () => {
    const drafts = await validate([
      { description: 'a', action: 'implement', spec: 'x', tier: null },
      { description: 'b', action: 'shell', command: 'ls' },
    ]);
    expect(drafts.map((draft) => draft.tier)).toEqual(['write', 'execute']);
  });

  it.each([
    ['READ', 'read'],
    ['Execute', 'execute'],
    ['Destructive', 'destructive'],
    ['DESTRUCTIVE', 'destructive'],
    ['high', 'destructive'],
    ['irreversible', 'destructive'],
    ['read-only', 'read'],
    ['medium', 'write'],
    ['run', 'execute'],
    ['third-party', 'external'],
  ])('reads the tier %j as %s, like the LLM path', async (tier, expected) => {
    expect((await validate([ok('a', { tier })]))[0]?.tier).toBe(expected);
  });

  it("treats an empty tier as none: the action's own", async () => {
    expect((await validate([ok('a', { tier: ' ' })]))[0]?.tier).toBe('execute');
  });

  it('keeps an explicit external tier on notify', async () => {
    expect((await validate([{ description: 'Post it', action: 'notify', tier: 'external' }]))[0]?.tier).toBe('external');
  });

  it('does not chain a plan without dependencies', async () => {
    const drafts = await validate([ok('a'), ok('b'), { description: 'c', action: 'notify' }]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [], []]);
  });

  it('accepts action_type, a bare integer dependency and null dependencies, and removes duplicates', async () => {
    const drafts = await validate([
      { description: 'a', action_type: 'shell', command: 'ls', depends_on: null },
      { description: 'b', action_type: 'shell', command: 'ls', depends_on: 0 },
      { description: 'c', action: 'shell', command: 'ls', depends_on: [1, 0, 1] },
    ]);
    expect(drafts.map((draft) => [draft.action, draft.dependsOn])).toEqual([
      ['shell', []],
      ['shell', [0]],
      ['shell', [1, 0]],
    ]);
  });

  it('gathers flat fields, lets the nested input win, and fills the main field from the description', async () => {
    const drafts = await validate([
      { description: 'd', action: 'shell', command: 'ls', workdir: '/tmp', input: { command: 'pwd' }, id: 'ignored' },
      { description: 'What is x?', action: 'research' },
      { description: 'Outline', action: 'plan', spec: '1. x' },
    ]);
    expect(drafts.map((draft) => draft.input)).toEqual([{ command: 'pwd', workdir: '/tmp' }, { query: 'What is x?' }, { output: '1. x' }]);
  });

  it('accepts a registered agent and a binary on the allowlist', async () => {
    const drafts = await validate(
      [
        { description: 'Write', action: 'implement', spec: 'x', agent: 'qwen' },
        { description: 'Test', action: 'test', command: 'npm test', depends_on: [0] },
      ],
      { agents: ['qwen'], allowlist: ['npm'] },
    );
    expect(drafts).toHaveLength(2);
  });
});

describe('validateHostDrafts: rejected plans', () => {
  it('rejects an empty plan', async () => {
    const error = await rejectionAsync(() => validate([]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('Empty plan');
  });

  it('rejects a draft that is not an object', async () => {
    const error = await rejectionAsync(() => validate([ok('a'), 'run ls']));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^step 2 \(""\): must be an object/);
    expect(error.details).toEqual({ step: 2, index: 1, field: 'step' });
  });

  it.each([undefined, '', '   ', 42])('rejects description %s', async (description) => {
    const error = await rejectionAsync(() => validate([{ description, action: 'shell', command: 'ls' }]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('description: must be a non-empty string');
    expect(error.details).toEqual({ step: 1, index: 0, field: 'description' });
  });

  it('rejects a missing, empty or non-string action', async () => {
    for (const action of [undefined, '', 7]) {
      const error = await rejectionAsync(() => validate([{ description: 'Do it', action }]));
      expect(error.code).toBe('PLAN_INVALID');
      expect(error.message).toMatch(/^step 1 \("Do it"\): action: /);
      expect(error.details).toEqual({ step: 1, index: 0, field: 'action' });
    }
  });

  it('rejects an unknown action with UNKNOWN_ACTION', async () => {
    const error = await rejectionAsync(() => validate([ok('a'), { description: 'Ship it', action: 'deploy' }]));
    expect(error.code).toBe('UNKNOWN_ACTION');
    expect(error.message).toBe(
      'step 2 ("Ship it"): unknown action "deploy". Available actions: research, plan, implement, execute, test, shell, review, notify',
    );
    expect(error.details).toEqual({ step: 2, index: 1, field: 'action', action: 'deploy' });
  });

  it('rejects a step that depends on itself', async () => {
    const error = await rejectionAsync(() => validate([ok('a'), ok('b', { depends_on: [1] })]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^step 2 \("b"\): depends on itself/);
    expect(error.details).toEqual({ step: 2, index: 1, field: 'depends_on' });
  });

  it('rejects a dependency on a later step', async () => {
    const error = await rejectionAsync(() => validate([ok('a', { depends_on: [1] }), ok('b')]));
    expect(error.message).toMatch(/^step 1 \("a"\): depends on a later step/);
    expect(error.details).toEqual({ step: 1, index: 0, field: 'depends_on' });
  });

  it.each([[[2]], [[-1]], [[0.5]], [['0']], [[null]], [5]])('rejects the missing dependency %j', async (dependsOn) => {
    const error = await rejectionAsync(() => validate([ok('a'), ok('b', { depends_on: dependsOn })]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^step 2 \("b"\): depends on a missing step/);
    expect(error.details).toEqual({ step: 2, index: 1, field: 'depends_on' });
  });

  it('rejects depends_on that is not a list of indices', async () => {
    const error = await rejectionAsync(() => validate([ok('a'), ok('b', { depends_on: '0' })]));
    expect(error.message).toContain('depends_on: must be an array');
    expect(error.details).toMatchObject({ field: 'depends_on' });
  });

  it.each(['medium-high', 'yes', 1, true, ['read'], { level: 'high' }])('rejects the tier %j, which names no tier', async (tier) => {
    const error = await rejectionAsync(() => validate([ok('a', { tier })]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('tier: must be one of read, write, execute, destructive, external');
    expect(error.message).toContain('"high" (destructive)');
    expect(error.details).toEqual({ step: 1, index: 0, field: 'tier' });
  });

  it.each([-1, 1.5, '100'])('rejects estimated_tokens %s', async (estimated) => {
    const error = await rejectionAsync(() => validate([ok('a', { estimated_tokens: estimated })]));
    expect(error.message).toContain('estimated_tokens: must be a non-negative integer');
    expect(error.details).toEqual({ step: 1, index: 0, field: 'estimated_tokens' });
  });

  it('rejects a nested input that is not an object', async () => {
    const error = await rejectionAsync(() => validate([{ description: 'a', action: 'shell', input: ['ls'] }]));
    expect(error.message).toContain('input: must be an object');
    expect(error.details).toEqual({ step: 1, index: 0, field: 'input' });
  });

  it('does not coerce numbers into text fields', async () => {
    const error = await rejectionAsync(() => validate([{ description: 'a', action: 'shell', command: 42 }]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('step 1 ("a"): command: expected a string, got number');
    expect(error.details).toMatchObject({ step: 1, index: 0, field: 'command' });
  });

  it('rejects input the catalogue refuses: allowlist, pipeline, agent roster', async () => {
    const allow = await rejectionAsync(() =>
      validate([{ description: 'Build', action: 'execute', command: 'make' }], { allowlist: ['ls'] }),
    );
    expect(allow.message).toContain('not on the sandbox allowlist');
    const pipe = await rejectionAsync(() => validate([{ description: 'Count', action: 'execute', command: 'ls | wc -l' }]));
    expect(pipe.message).toContain('Shell metacharacter |');
    const agent = await rejectionAsync(() =>
      validate([{ description: 'Write', action: 'implement', agent: 'ghost-agent' }], { agents: ['qwen', 'claude-code'] }),
    );
    expect(agent.message).toContain('ghost-agent');
    expect(agent.message).toContain('not registered');
    expect(agent.message).toContain('claude-code, qwen');
    expect(agent.details).toMatchObject({ field: 'agent', problems: [expect.stringContaining('ghost-agent')] });
  });

  it('cuts a long description to 60 characters in the message', async () => {
    const description = `${'x'.repeat(80)}`;
    const error = await rejectionAsync(() => validate([{ description, action: 'deploy' }]));
    expect(error.message).toMatch(new RegExp(`^step 1 \\("${'x'.repeat(59)}…"\\): `));
  });
});
