import { describe, it, expect } from 'vitest';
import { rejectionAsync, testCatalogue } from '../../helpers/catalogue.js';
import { planFromLlmText } from '../../../src/engine/plan/lenient.js';

const plan = (steps: unknown[], options: { allowlist?: string[]; agents?: string[] } = {}) =>
  planFromLlmText(JSON.stringify(steps), testCatalogue(options), options);

describe('planFromLlmText: actions and input', () => {
  it('coerces numbers and booleans in the text fields the action declares when planning', async () => {
    const [draft] = await planFromLlmText(
      '[{"description":"d","action":"notify","message":true,"channel":0,"ignored":[1]}]',
      testCatalogue(),
    );
    expect(draft?.input).toEqual({ message: 'true', channel: '0' });
  });

  it('builds drafts from a basic two-step reply', async () => {
    const drafts = await plan([
      { description: 'Find the config', action_type: 'research', query: 'where is the config?', tier: 'read' },
      { description: 'List files', action_type: 'shell', command: 'ls -la', depends_on: [0], estimated_tokens: 0 },
    ]);
    expect(drafts).toEqual([
      {
        description: 'Find the config',
        action: 'research',
        dependsOn: [],
        tier: 'read',
        input: { query: 'where is the config?' },
        estimatedTokens: 0,
        commands: [],
        required: { tier: 'read', reasons: [] },
      },
      {
        description: 'List files',
        action: 'shell',
        dependsOn: [0],
        tier: 'execute',
        input: { command: 'ls -la' },
        estimatedTokens: 0,
        commands: ['ls -la'],
        required: { tier: 'execute', reasons: [] },
      },
    ]);
  });

  it('prefers action over action_type', async () => {
    expect((await plan([{ description: 'd', action: 'shell', action_type: 'research', command: 'ls' }]))[0]?.action).toBe('shell');
  });

  it('lets the nested input win over flat duplicates', async () => {
    const [draft] = await plan([{ description: 'd', action: 'shell', command: 'ls', input: { command: 'pwd', workdir: '/tmp' } }]);
    expect(draft?.input).toEqual({ command: 'pwd', workdir: '/tmp' });
  });

  it('ignores flat keys the action does not declare', async () => {
    const [draft] = await plan([{ description: 'd', action: 'shell', command: 'ls', query: 'stray', id: 's1', step: 1 }]);
    expect(draft?.input).toEqual({ command: 'ls' });
  });

  it('keeps a step without an action as a plan note of its description', async () => {
    const [draft] = await plan([{ description: 'Think it over', command: 'ignored' }]);
    expect(draft).toMatchObject({ action: 'plan', input: { output: 'Think it over' } });
  });

  it('rejects an action the catalogue does not know with UNKNOWN_ACTION', async () => {
    const error = await rejectionAsync(() =>
      plan([
        { description: 'a', action: 'plan', spec: 'x' },
        { description: 'Deploy it', action: 'deploy' },
      ]),
    );
    expect(error.code).toBe('UNKNOWN_ACTION');
    expect(error.message).toBe(
      'step 2 ("Deploy it"): unknown action "deploy". Available actions: research, plan, implement, execute, test, shell, review, notify',
    );
    expect(error.details).toMatchObject({ step: 2, field: 'action', action: 'deploy' });
  });

  it('rejects a step without a description', async () => {
    const error = await rejectionAsync(() => plan([{ description: '   ', action: 'shell', command: 'ls' }]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('step 1');
    expect(error.message).toContain('description');
    expect(error.details).toMatchObject({ step: 1, field: 'description' });
  });

  it('uses a plan step spec as its output', async () => {
    expect((await plan([{ description: 'Outline', action: 'plan', spec: '1. do x' }]))[0]?.input).toEqual({ output: '1. do x' });
    expect((await plan([{ description: 'Outline', action: 'plan', output: 'kept', spec: 'x' }]))[0]?.input).toEqual({ output: 'kept' });
  });

  it("fills each action's main field from the description", async () => {
    const drafts = await plan([
      { description: 'What is x?', action: 'research' },
      { description: 'Write x', action: 'implement', agent: 'default' },
      { description: 'src/x.ts', action: 'review' },
      { description: 'Tell the user', action: 'notify' },
    ]);
    expect(drafts.map((draft) => draft.input)).toEqual([
      { query: 'What is x?' },
      { agent: 'default', spec: 'Write x' },
      { artifact: 'src/x.ts' },
      { message: 'Tell the user' },
    ]);
  });

  it('stores the input the catalogue normalised', async () => {
    expect((await plan([{ description: 'd', action: 'shell', command: '  ls  ' }]))[0]?.input).toEqual({ command: 'ls' });
  });
});

describe('planFromLlmText: plan-time checks', () => {
  it('rejects an execute step with an empty command, naming the step', async () => {
    const error = await rejectionAsync(() =>
      plan([
        { description: 'a', action: 'plan', spec: 'x' },
        { description: 'Run it', action_type: 'execute', command: '' },
      ]),
    );
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('step 2 ("Run it"): command: required and must not be empty');
    expect(error.details).toMatchObject({ step: 2, index: 1, field: 'command' });
  });

  it('rejects shell and test steps without a command', async () => {
    expect((await rejectionAsync(() => plan([{ description: 's', action: 'shell', command: '   ' }]))).details).toMatchObject({
      step: 1,
      field: 'command',
    });
    expect((await rejectionAsync(() => plan([{ description: 't', action: 'test' }]))).message).toContain('step 1 ("t"): command:');
  });

  it('rejects an execute binary outside the allowlist and exempts shell', async () => {
    const error = await rejectionAsync(() =>
      plan([{ description: 'Build', action: 'execute', command: 'make all' }], { allowlist: ['cargo', 'ls'] }),
    );
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('`make`');
    expect(error.message).toContain('not on the sandbox allowlist');
    expect(error.details).toMatchObject({ field: 'command' });
    expect(await plan([{ description: 'Build', action: 'shell', command: 'make all' }], { allowlist: ['ls'] })).toHaveLength(1);
    expect(await plan([{ description: 'Test', action: 'test', command: '/usr/bin/cargo test' }], { allowlist: ['cargo'] })).toHaveLength(1);
  });

  it('rejects a pipeline in an execute step and suggests shell', async () => {
    const error = await rejectionAsync(() => plan([{ description: 'Count', action: 'execute', command: 'ls | wc -l' }]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('Shell metacharacter | not supported');
    expect(error.message).toContain('"shell"');
  });

  it.each(['make || true', 'make && make install', 'cd x; ls', 'sleep 1 &', 'sort < f', 'echo `id`', 'echo $(id)'])(
    'rejects %s in a test step',
    async (command) => {
      const error = await rejectionAsync(() => plan([{ description: 'Check', action: 'test', command }]));
      expect(error.code).toBe('PLAN_INVALID');
      expect(error.message).toMatch(/command: Shell (metacharacter|substitution)/);
    },
  );

  it('rejects an unregistered agent, listing the sorted roster', async () => {
    const error = await rejectionAsync(() =>
      plan([{ description: 'Write code', action_type: 'implement', spec: 'x', agent: 'ghost-agent' }], { agents: ['qwen', 'claude-code'] }),
    );
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toContain('ghost-agent');
    expect(error.message).toContain('not registered');
    expect(error.message).toContain('claude-code, qwen');
    expect(error.details).toMatchObject({ step: 1, field: 'agent', problems: [expect.stringContaining('ghost-agent')] });
  });

  it('accepts a registered agent, the default agent and no agent', async () => {
    const agents = ['claude-code', 'qwen'];
    for (const agent of ['qwen', 'default', undefined]) {
      expect(await plan([{ description: 'Write code', action: 'implement', spec: 'x', agent }], { agents })).toHaveLength(1);
    }
  });

  it('skips agent checks when no roster is known', async () => {
    expect((await plan([{ description: 'Write code', action: 'implement', agent: 'ghost-agent' }]))[0]?.input).toMatchObject({
      agent: 'ghost-agent',
    });
  });

  it('reports the first violating step only', async () => {
    const error = await rejectionAsync(() =>
      plan([
        { description: 'ok', action: 'shell', command: 'ls' },
        { description: 'bad one', action: 'execute', command: 'a | b' },
        { description: 'bad two', action: 'shell' },
      ]),
    );
    expect(error.details).toMatchObject({ step: 2 });
  });

  it('lists every problem of the step in details', async () => {
    const error = await rejectionAsync(() => plan([{ description: 'd', action: 'shell', input: { command: 5, extra: 'x' } }]));
    expect(error.message).toBe('step 1 ("d"): command: expected a string, got number');
    expect(error.details['problems']).toEqual([
      'command: expected a string, got number',
      'extra: unknown field',
      'command: required and must not be empty',
    ]);
  });
});

describe('planFromLlmText: tiers', () => {
  it.each([
    ['read', 'read'],
    ['write', 'write'],
    ['destructive', 'destructive'],
    ['external', 'external'],
    ['execute', 'execute'],
    ['READ', 'read'],
    ['Write', 'write'],
    ['Destructive', 'destructive'],
    ['DESTRUCTIVE', 'destructive'],
    [' External ', 'external'],
    ['read-only', 'read'],
    ['Read_Only', 'read'],
    ['low', 'read'],
    ['safe', 'read'],
    ['info', 'read'],
    ['medium', 'write'],
    ['modify', 'write'],
    ['edit', 'write'],
    ['exec', 'execute'],
    ['run', 'execute'],
    ['command', 'execute'],
    ['high', 'destructive'],
    ['High risk', 'destructive'],
    ['dangerous', 'destructive'],
    ['critical', 'destructive'],
    ['irreversible', 'destructive'],
    ['delete', 'destructive'],
    ['network', 'external'],
    ['remote', 'external'],
    ['internet', 'external'],
    ['third-party', 'external'],
    ['API', 'external'],
  ])('reads tier %j as %s', async (tier, expected) => {
    expect((await plan([{ description: 'd', action: 'research', query: 'q', tier }]))[0]?.tier).toBe(expected);
  });

  it.each(['medium-high', 'yes', 'tier 3', 1, true, ['read'], { level: 'low' }])(
    'raises the unknown tier %j to destructive',
    async (tier) => {
      expect((await plan([{ description: 'd', action: 'research', query: 'q', tier }]))[0]?.tier).toBe('destructive');
    },
  );

  it.each([null, undefined, '', '  '])("gives a step without a tier (%j) its action's own tier", async (tier) => {
    const drafts = await plan([
      { description: 'a', action: 'research', tier },
      { description: 'b', action: 'implement', spec: 'x', tier },
      { description: 'c', action: 'shell', command: 'ls', tier },
    ]);
    expect(drafts.map((draft) => draft.tier)).toEqual(['read', 'write', 'execute']);
  });

  it('keeps an external notify step external: the planner said so', async () => {
    expect((await plan([{ description: 'Tell me', action: 'notify', tier: 'external' }]))[0]?.tier).toBe('external');
  });
});

describe('planFromLlmText: dependencies', () => {
  it('repairs cyclic dependencies into a DAG', async () => {
    const drafts = await plan([
      { description: 'a', action: 'research', depends_on: [1] },
      { description: 'b', action: 'research', depends_on: [0] },
    ]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [0]]);
  });

  it('drops self, forward and out-of-range dependencies and duplicates', async () => {
    const drafts = await plan([
      { description: 'a', action: 'research', depends_on: [0] },
      { description: 'b', action: 'research', depends_on: [0, 0, 5, 1] },
      { description: 'c', action: 'research', depends_on: [1, 0, 1, 2] },
    ]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [0], [1, 0]]);
  });

  it('chains a flat plan sequentially', async () => {
    const drafts = await plan([
      { description: 'a', action: 'research' },
      { description: 'b', action: 'plan', spec: 'x' },
      { description: 'c', action: 'shell', command: 'ls' },
    ]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [0], [1]]);
  });

  it('links only steps that consume prior output when some dependencies exist', async () => {
    const drafts = await plan([
      { description: 'a', action: 'research' },
      { description: 'b', action: 'research' },
      { description: 'c', action: 'shell', command: 'ls', depends_on: [0] },
      { description: 'd', action: 'review' },
      { description: 'e', action: 'plan', spec: 'x' },
      { description: 'f', action: 'notify' },
    ]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [], [0], [2], [], [4]]);
  });

  it('repairs a plan whose dependencies point forward and at themselves into a chain', async () => {
    const drafts = await plan([
      { description: 'Plan it', action: 'plan', spec: 'x', depends_on: [1] },
      { description: 'Build it', action: 'implement', spec: 'y', depends_on: [0, 2] },
      { description: 'Test it', action: 'test', command: 'npm test', depends_on: [2] },
    ]);
    expect(drafts.map((draft) => draft.dependsOn)).toEqual([[], [0], [1]]);
  });

  it('leaves a single step alone', async () => {
    expect((await plan([{ description: 'a', action: 'shell', command: 'ls' }]))[0]?.dependsOn).toEqual([]);
  });
});

describe('planFromLlmText: a messy realistic reply', () => {
  it('repairs fences, prose, nulls, bare integers and numbers in text fields', async () => {
    const reply = [
      "I'll break this into three steps.",
      '',
      '```json',
      '[',
      '  {"description": "Check the Node version", "action_type": "shell", "command": "node --version", "query": null, "depends_on": null, "tier": "read", "estimated_tokens": null},',
      '  {"description": "Run the test suite", "action": "test", "command": "npm test", "depends_on": 0, "tier": "Execute", "estimated_tokens": 0},',
      '  {"description": "Report the result", "action_type": "notify", "channel": 1, "message": "", "depends_on": [1, "0"], "tier": "external"}',
      ']',
      '```',
      '',
      'Step 3 tells you how it went.',
    ].join('\n');
    const drafts = await planFromLlmText(reply, testCatalogue({ allowlist: ['npm', 'node'] }));
    expect(drafts).toEqual([
      {
        description: 'Check the Node version',
        action: 'shell',
        dependsOn: [],
        tier: 'read',
        input: { command: 'node --version' },
        estimatedTokens: 0,
        commands: ['node --version'],
        required: { tier: 'execute', reasons: [] },
      },
      {
        description: 'Run the test suite',
        action: 'test',
        dependsOn: [0],
        tier: 'execute',
        input: { command: 'npm test' },
        estimatedTokens: 0,
        commands: ['npm test'],
        required: { tier: 'execute', reasons: [] },
      },
      {
        description: 'Report the result',
        action: 'notify',
        dependsOn: [1, 0],
        tier: 'external',
        input: { channel: '1', message: 'Report the result' },
        estimatedTokens: 0,
        commands: [],
        required: { tier: 'read', reasons: [] },
      },
    ]);
  });
});

describe('planFromLlmText: numbers written as text and other cosmetic slips', () => {
  it('repairs string numbers, fractional and negative estimates and odd extra fields into a valid plan', async () => {
    const reply = [
      'Here you go:',
      '```json',
      JSON.stringify([
        { description: 'Look up the release notes', action: 'research', query: 'release notes', estimated_tokens: '250', tier: 'Read' },
        {
          description: 'Draft the summary',
          action: 'plan',
          output: 'summary',
          depends_on: '0',
          estimated_tokens: 120.6,
          rationale: { why: 'needed' },
        },
        {
          description: 'Check the build',
          action: 'shell',
          command: 'ls dist',
          depends_on: ['0', '1'],
          estimated_tokens: -5,
          notes: ['a', 'b'],
        },
        {
          description: 'Review it',
          action: 'review',
          artifact: 'summary',
          depends_on: '1, 2',
          estimated_tokens: 'a few hundred',
          tier: { level: 'low' },
        },
      ]),
      '```',
    ].join('\n');
    const drafts = await planFromLlmText(reply, testCatalogue());
    expect(drafts.map((draft) => [draft.action, draft.dependsOn, draft.estimatedTokens, draft.tier])).toEqual([
      ['research', [], 250, 'read'],
      ['plan', [0], 121, 'read'],
      ['shell', [0, 1], 0, 'execute'],
      ['review', [1, 2], 0, 'destructive'],
    ]);
    expect(drafts[2]?.input).toEqual({ command: 'ls dist' });
  });

  it('still refuses a step without a description', async () => {
    const error = await rejectionAsync(() =>
      plan([
        { description: 'a', action: 'research' },
        { action: 'shell', command: 'ls', estimated_tokens: '5' },
      ]),
    );
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.details).toMatchObject({ step: 2, field: 'description' });
  });

  it('refuses an array in a field the action declares, naming step and field', async () => {
    const error = await rejectionAsync(() => plan([{ description: 'a', action: 'shell', command: ['ls', '-l'] }]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^step 1 \("a"\): command: /);
    expect(error.details).toMatchObject({ step: 1, field: 'command' });
  });
});
