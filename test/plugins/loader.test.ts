/**
 * The plugin loader through the real bin: folders of plugin files given with --plugins, start-up
 * errors with their codes, and third-party actions running end to end over stdio.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, binEnv, exitOf } from '../helpers/bin.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins');
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-plugins-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the bin and waits for it to exit (start-up failures) or kills it after `ms`. */
async function startUp(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--db', join(dir, 'state.db'), ...args], { cwd: dir, env: binEnv(), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end();
  const exit = await exitOf(child);
  return { code: exit.code, stdout, stderr };
}

async function connect(args: string[]): Promise<{ client: Client; stderr: () => string; protocolErrors: string[] }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--db', join(dir, 'state.db'), '--log-level', 'info', ...args],
    env: binEnv(),
    cwd: dir,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const protocolErrors: string[] = [];
  const client = new Client({ name: 'loader-test', version: '1.0.0' });
  client.onerror = (error) => protocolErrors.push(error.message);
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, stderr: () => stderr, protocolErrors };
}

async function runPlan(client: Client, steps: unknown[]): Promise<any> {
  const planned = (await client.callTool({ name: 'plan', arguments: { request: 'use third-party actions', steps } })) as any;
  expect(planned.isError, JSON.stringify(planned.content)).toBeFalsy();
  await client.callTool({ name: 'approve', arguments: { taskId: planned.structuredContent.taskId } });
  const done = (await client.callTool({
    name: 'status',
    arguments: { taskId: planned.structuredContent.taskId, waitUntil: 'terminal', timeoutSeconds: 30 },
  })) as any;
  return done.structuredContent.task;
}

describe('plugin loading errors stop start-up with a code naming the file', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'invalid',
      'PLUGIN_INVALID',
      /bad-shape\.mjs: not a valid action plugin[\s\S]*name: must be lower-case[\s\S]*tier:[\s\S]*input: must be a zod schema[\s\S]*run: must be a function/,
    ],
    ['api-mismatch', 'PLUGIN_API_MISMATCH', /future\.mjs: written for plugin API 2; this server speaks API 1/],
    ['duplicate-builtin', 'PLUGIN_DUPLICATE', /shell\.mjs: an action named "shell" is already loaded from built-in/],
    ['duplicate-pair', 'PLUGIN_DUPLICATE', /b\.mjs: an action named "twin" is already loaded from .*a\.mjs/],
    ['import-failed', 'PLUGIN_IMPORT_FAILED', /broken\.ts: could not be imported: .*a-package-nobody-installed/],
    ['ts-syntax-error', 'PLUGIN_IMPORT_FAILED', /typo\.ts: could not be imported: [\s\S]*typo\.ts:6:\d+: ERROR/],
  ];
  for (const [folder, code, message] of cases) {
    it(`${code} for ${folder}/`, async () => {
      const result = await startUp(['--plugins', join(FIXTURES, folder)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`orchestrate-mcp: ${code}: ${join(FIXTURES, folder)}`);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }

  it('PLUGIN_DIR_NOT_FOUND for a folder that does not exist', async () => {
    const result = await startUp(['--plugins', join(dir, 'nope')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`PLUGIN_DIR_NOT_FOUND: ${join(dir, 'nope')}`);
  });

  it('reads plugin folders from ORCHESTRATE_PLUGINS too', async () => {
    const child = spawn(process.execPath, [BIN, '--db', join(dir, 'state.db')], {
      cwd: dir,
      env: binEnv({ ORCHESTRATE_PLUGINS: join(FIXTURES, 'api-mismatch') }),
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end();
    expect((await exitOf(child)).code).toBe(1);
    expect(stderr).toContain('PLUGIN_API_MISMATCH');
  });
});

describe('third-party plugins', () => {
  it('loads a .ts plugin dropped into a folder without a build, in a deterministic order', async () => {
    const folder = join(dir, 'my-plugins');
    cpSync(join(FIXTURES, 'third-party'), folder, { recursive: true });
    const { client } = await connect(['--plugins', folder]);
    const read = await client.readResource({ uri: 'orchestrate://actions' });
    const catalogue = JSON.parse(String((read.contents[0] as { text?: string } | undefined)?.text)) as Array<{
      name: string;
      inputSchema: any;
    }>;
    const names = catalogue.map((a) => a.name);
    expect(names).toEqual([
      'research',
      'plan',
      'implement',
      'shell',
      'execute',
      'test',
      'review',
      'notify',
      'word_count',
      'shout',
      'pkg_echo',
    ]);
    const wordCount = catalogue.find((a) => a.name === 'word_count');
    expect(wordCount?.inputSchema.properties.text.description).toBe('The text to count');
  });

  it('runs third-party actions end to end; a dependent step sees the output through ctx.deps', async () => {
    const { client } = await connect(['--plugins', join(FIXTURES, 'third-party')]);
    const task = await runPlan(client, [
      { description: 'Count', action: 'word_count', text: 'one two three' },
      { description: 'Echo', action: 'pkg_echo', text: 'hi' },
      { description: 'Shout', action: 'shout', depends_on: [0, 1] },
    ]);
    expect(task.phase).toBe('completed');
    expect(task.steps.map((s: any) => s.summary)).toEqual(['3 words', 'hi (from a package)', 'HEARD: COUNT={"WORDS":3}/3, ECHO=NULL/HI']);
    expect(task.steps[2].outputs.data).toEqual({ deps: ['s1', 's2'] });
  });

  it('validates a third-party step input at plan time, JSON Schema and zod alike', async () => {
    const { client } = await connect(['--plugins', join(FIXTURES, 'third-party')]);
    const zodCase = (await client.callTool({
      name: 'plan',
      arguments: { request: 'x', steps: [{ description: 'Count', action: 'word_count', text: '' }] },
    })) as any;
    expect(zodCase.structuredContent.error.code).toBe('PLAN_INVALID');
    expect(zodCase.structuredContent.error.details.field).toBe('text');
    const jsonCase = (await client.callTool({
      name: 'plan',
      arguments: { request: 'x', steps: [{ description: 'Echo', action: 'pkg_echo', input: {} }] },
    })) as any;
    expect(jsonCase.structuredContent.error.code).toBe('PLAN_INVALID');
    expect(jsonCase.structuredContent.error.message).toContain('text');
    const unknown = (await client.callTool({
      name: 'plan',
      arguments: { request: 'x', steps: [{ description: 'Nope', action: 'not_loaded' }] },
    })) as any;
    expect(unknown.structuredContent.error.code).toBe('UNKNOWN_ACTION');
  });

  it('loads a .js plugin as an ES module from a folder whose package.json says CommonJS', async () => {
    const folder = join(dir, 'plugins');
    mkdirSync(folder);
    writeFileSync(join(folder, 'package.json'), '{ "type": "commonjs" }');
    writeFileSync(
      join(folder, 'plain.js'),
      "import { z } from 'zod';\nexport default { apiVersion: 1, name: 'plain', description: 'Plain.', tier: 'read', input: z.object({ n: z.number().describe('A number') }), run: async (input) => ({ summary: `n=${input.n}` }) };\n",
    );
    const { client } = await connect(['--plugins', folder]);
    const task = await runPlan(client, [{ description: 'Plain', action: 'plain', n: 7 }]);
    expect(task.phase).toBe('completed');
    expect(task.steps[0].summary).toBe('n=7');
  });

  it("keeps a plugin's stdout writes off the protocol stream", async () => {
    const { client, stderr, protocolErrors } = await connect(['--plugins', join(FIXTURES, 'noisy')]);
    const task = await runPlan(client, [{ description: 'Make noise', action: 'noisy' }]);
    expect(task.phase).toBe('completed');
    expect(protocolErrors).toEqual([]);
    await expect.poll(() => stderr()).toContain('raw stdout from a step');
    expect(stderr()).toContain('noisy plugin loaded (process.stdout.write)');
    expect(stderr()).toContain('noisy step running');
  });
});

describe('the example plugin', () => {
  it('runs examples/plugins/todo-scan.ts as documented', async () => {
    const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'plugins');
    const { client } = await connect(['--plugins', examples]);
    const work = join(dir, 'work');
    cpSync(join(FIXTURES, 'third-party'), work, { recursive: true });
    const planned = (await client.callTool({
      name: 'plan',
      arguments: {
        request: 'find todos',
        context: { workdir: work },
        steps: [{ description: 'Scan', action: 'todo_scan', extensions: ['.ts'] }],
      },
    })) as any;
    await client.callTool({ name: 'approve', arguments: { taskId: planned.structuredContent.taskId } });
    const done = (await client.callTool({
      name: 'status',
      arguments: { taskId: planned.structuredContent.taskId, waitUntil: 'terminal' },
    })) as any;
    expect(done.structuredContent.task.phase).toBe('completed');
    expect(done.structuredContent.task.steps[0].summary).toMatch(/No TODO|marked comment/);
  });
});
