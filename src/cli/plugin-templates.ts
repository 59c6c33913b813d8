/**
 * The files `init-plugin` writes: a working action (it counts the words of a text, so there is
 * something real to replace), a test that runs it with a stand-in ctx using only node:test, and a
 * README on loading it.
 */

export interface TemplateFile {
  name: string;
  /** One line for the listing `init-plugin` prints. */
  role: string;
  text: string;
}

const DESCRIPTION = 'Counts the words and lines of a text. (Skeleton: say here what the action does; planners read this.)';

const RUN_BODY = `    ctx.signal.throwIfAborted();
    const words = input.text.split(/\\s+/).filter(Boolean);
    const count = input.unique ? new Set(words.map((word) => word.toLowerCase())).size : words.length;
    const lines = input.text.split('\\n').length;
    ctx.logger.info('counted', { words: count, lines });
    return { summary: \`\${count} words, \${lines} lines\`, stdout: \`\${count}\\n\`, data: { words: count, lines } };`;

function mjsPlugin(name: string): string {
  return `/**
 * ${name}: an orchestrate-mcp action plugin. Its input is a JSON Schema, so this file imports
 * nothing and needs no install. Load it with \`orchestrate-mcp --plugins <this folder>\`.
 */
export default {
  apiVersion: 1,
  name: '${name}',
  description: '${DESCRIPTION}',
  // read | write | execute | destructive | external (destructive and external steps ask a human first)
  tier: 'read',
  input: {
    type: 'object',
    properties: {
      text: { type: 'string', minLength: 1, description: 'The text to count' },
      unique: { type: 'boolean', default: false, description: 'Count distinct words only' },
    },
    required: ['text'],
  },
  /** Throw to fail the step; pass ctx.signal to whatever you await so a cancel stops it. */
  async run(input, ctx) {
${RUN_BODY}
  },
};
`;
}

function tsPlugin(name: string): string {
  return `/**
 * ${name}: an orchestrate-mcp action plugin. The server loads TypeScript without a build step and
 * provides \`zod\` and \`orchestrate-mcp/plugin-api\` itself. Load it with \`orchestrate-mcp --plugins <this folder>\`.
 */
import { z } from 'zod';
import { definePlugin } from 'orchestrate-mcp/plugin-api';

export default definePlugin({
  apiVersion: 1,
  name: '${name}',
  description: '${DESCRIPTION}',
  // read | write | execute | destructive | external (destructive and external steps ask a human first)
  tier: 'read',
  input: z.object({
    text: z.string().min(1).describe('The text to count'),
    unique: z.boolean().default(false).describe('Count distinct words only'),
  }),
  /** Throw to fail the step; pass ctx.signal to whatever you await so a cancel stops it. */
  async run(input, ctx) {
${RUN_BODY}
  },
});
`;
}

/** The test, in JavaScript or TypeScript: the same cases, the same stand-in ctx. */
function testFile(name: string, ts: boolean): string {
  const imports = ts
    ? `import type { ActionContext } from 'orchestrate-mcp/plugin-api';\nimport plugin from './${name}.js';`
    : `import plugin from './${name}.mjs';`;
  const signature = ts ? '(overrides: Partial<ActionContext> = {}): ActionContext' : '(overrides = {})';
  const run = ts ? `npx tsx --test ${name}.test.ts (see README.md)` : `node --test ${name}.test.mjs`;
  return `// Runs the action as the server would, with a stand-in for ctx. Run: ${run}
import assert from 'node:assert/strict';
import { test } from 'node:test';
${imports}

/** What a step's run gets from the server; replace the parts your action uses. */
function fakeCtx${signature} {
  const ignore = () => {};
  return {
    taskId: 'task-1',
    stepId: 's1',
    description: 'Count the words',
    signal: new AbortController().signal,
    logger: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    llm: {
      available: false,
      complete: async () => {
        throw new Error('no LLM in this test');
      },
    },
    exec: async () => {
      throw new Error('no commands in this test');
    },
    workdir: process.cwd(),
    options: {},
    deps: {},
    notify: async () => false,
    progress: ignore,
    attempt: 1,
    idempotencyKey: 'test-task:s1',
    budget: { remaining: () => ({}), spend: async () => {} },
    agents: {
      list: () => [],
      delegate: async () => {
        throw new Error('no coding agents in this test');
      },
    },
    ...overrides,
  };
}

test('counts the words and lines of a text', async () => {
  const result = await plugin.run({ text: 'one two\\nthree two', unique: false }, fakeCtx());
  assert.equal(result.summary, '4 words, 2 lines');
  assert.deepEqual(result.data, { words: 4, lines: 2 });
});

test('counts distinct words when asked', async () => {
  const result = await plugin.run({ text: 'one two\\nthree two', unique: true }, fakeCtx());
  assert.deepEqual(result.data, { words: 3, lines: 2 });
});

test('stops when the step is cancelled', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(plugin.run({ text: 'a b', unique: false }, fakeCtx({ signal: controller.signal })), { name: 'AbortError' });
});

test('has what the server checks when it loads the file', () => {
  assert.equal(plugin.apiVersion, 1);
  assert.match(plugin.name, /^[a-z][a-z0-9_-]{0,63}$/);
  assert.ok(plugin.description.trim().length > 0);
});
`;
}

function readme(name: string, dir: string, ts: boolean): string {
  const file = `${name}.${ts ? 'ts' : 'mjs'}`;
  const test = ts
    ? [
        'The test imports the plugin, which imports `zod` and `orchestrate-mcp/plugin-api`. The server',
        'provides both when it loads the plugin; a test run needs them installed where node finds them',
        '(this folder or one above it; the server skips `node_modules` when it looks for plugins):',
        '',
        '```sh',
        'npm install --save-dev orchestrate-mcp zod tsx',
        `npx tsx --test ${name}.test.ts`,
        '```',
      ]
    : ['It uses only `node:test` and `node:assert`, so it needs no install:', '', '```sh', `node --test ${name}.test.mjs`, '```'];
  return [
    `# ${name}`,
    '',
    `An orchestrate-mcp action plugin: \`${file}\`.`,
    '',
    '## Load it',
    '',
    '```sh',
    `orchestrate-mcp plugins check --plugins ${dir}   # validates it and lists its input fields`,
    `orchestrate-mcp --plugins ${dir}                 # serves with it (or ORCHESTRATE_PLUGINS=${dir})`,
    '```',
    '',
    `In an MCP client's server entry, add \`"--plugins", "${dir}"\` to the args. Steps then use it as`,
    `\`{ "description": "Count the words", "action": "${name}", "input": { "text": "…" } }\`.`,
    '',
    '## Test it',
    '',
    ...test,
    '',
  ].join('\n');
}

export function pluginTemplate(name: string, dir: string, ts: boolean): TemplateFile[] {
  const ext = ts ? 'ts' : 'mjs';
  return [
    {
      name: `${name}.${ext}`,
      role: ts ? 'the plugin (zod input, definePlugin)' : 'the plugin (JSON Schema input, no imports)',
      text: ts ? tsPlugin(name) : mjsPlugin(name),
    },
    { name: `${name}.test.${ext}`, role: 'its test (node:test, a stand-in ctx)', text: testFile(name, ts) },
    { name: 'README.md', role: 'how to load and test it', text: readme(name, dir, ts) },
  ];
}
