/**
 * TypeScript plugins load through tsx without a build step: several files importing each other
 * with `.js` specifiers, tsconfig `paths`, `.mts`, folders typed CommonJS, packages whose entry is
 * `.ts`; `zod` and `orchestrate-mcp/plugin-api` are the server's own copies. In process through
 * `loadPluginDirs`, and through the real bin over stdio.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionContext } from '../../src/plugins/api.js';
import { loadPluginDirs } from '../../src/plugins/loader.js';
import { spawnServer, type SpawnedServer } from '../helpers/bin.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins');
const NO_CONTEXT = {} as ActionContext;

let dir: string;
let server: SpawnedServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-ts-plugins-'));
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function loadOne(folder: string) {
  const loaded = await loadPluginDirs([folder]);
  expect(loaded).toHaveLength(1);
  return loaded[0]!;
}

/** The plugin's zod schema was built by the server's zod module, not by a second copy of it. */
function expectServerZod(schema: unknown): void {
  expect((schema as object).constructor).toBe(z.ZodObject);
}

describe('loadPluginDirs with TypeScript plugins', () => {
  it('loads a plugin split over two files, its helper imported as ./lib/helper.js', async () => {
    const { plugin, file } = await loadOne(join(FIXTURES, 'ts-two-files'));
    expect(file).toBe(join(FIXTURES, 'ts-two-files', 'loud.ts'));
    expect(plugin.name).toBe('loud');
    expect(await plugin.run({ text: 'hi', volume: 3 }, NO_CONTEXT)).toMatchObject({ summary: 'HI!!!' });
    expectServerZod(plugin.input);
  });

  it('loads the same plugin from a folder without a package.json, which tsx would treat as CommonJS', async () => {
    cpSync(join(FIXTURES, 'ts-two-files'), dir, { recursive: true });
    const { plugin } = await loadOne(dir);
    expect(await plugin.run({ text: 'cjs', volume: 1 }, NO_CONTEXT)).toMatchObject({ summary: 'CJS!' });
    expectServerZod(plugin.input);
  });

  it('loads a plugin from a folder whose package.json says "type": "commonjs"', async () => {
    const { plugin } = await loadOne(join(FIXTURES, 'ts-commonjs'));
    expect(await plugin.run({ text: 'abc' }, NO_CONTEXT)).toMatchObject({ summary: 'cba' });
    expectServerZod(plugin.input);
  });

  it('resolves imports through the paths of the tsconfig.json in the plugin folder', async () => {
    const { plugin } = await loadOne(join(FIXTURES, 'ts-paths'));
    expect(await plugin.run({ who: 'Ada' }, NO_CONTEXT)).toMatchObject({ summary: 'hello, Ada' });
  });

  it('fails with PLUGIN_IMPORT_FAILED on a paths import when the folder has no tsconfig.json', async () => {
    cpSync(join(FIXTURES, 'ts-paths'), dir, { recursive: true });
    rmSync(join(dir, 'tsconfig.json'));
    await expect(loadPluginDirs([dir])).rejects.toMatchObject({
      code: 'PLUGIN_IMPORT_FAILED',
      message: expect.stringMatching(new RegExp(`^${join(dir, 'greet.ts')}: could not be imported: .*@lib/words`)),
    });
  });

  it('loads an .mts plugin importing an .mts helper as .mjs', async () => {
    const { plugin } = await loadOne(join(FIXTURES, 'ts-mts'));
    expect(await plugin.run({ text: 'a\nb\n\nc' }, NO_CONTEXT)).toMatchObject({ summary: '3 lines' });
    expectServerZod(plugin.input);
  });

  it('loads a package folder whose entry is a .ts file', async () => {
    const { plugin, file } = await loadOne(join(FIXTURES, 'ts-package'));
    expect(file).toBe(join(FIXTURES, 'ts-package', 'echo', 'src', 'index.ts'));
    expect(await plugin.run({ text: 'x' }, NO_CONTEXT)).toMatchObject({ summary: '[x]' });
    expectServerZod(plugin.input);
  });

  it('reports a TypeScript syntax error as PLUGIN_IMPORT_FAILED naming the file and line', async () => {
    const file = join(FIXTURES, 'ts-syntax-error', 'typo.ts');
    const failure = await loadPluginDirs([join(FIXTURES, 'ts-syntax-error')]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'PLUGIN_IMPORT_FAILED', details: { file } });
    expect((failure as Error).message).toMatch(new RegExp(`^${file}: could not be imported: [\\s\\S]*${file}:6:`));
  });

  it('loads folders in the order given, JavaScript and TypeScript alike', async () => {
    const loaded = await loadPluginDirs([join(FIXTURES, 'ts-mts'), join(FIXTURES, 'third-party'), join(FIXTURES, 'ts-two-files')]);
    expect(loaded.map((source) => source.plugin.name)).toEqual(['tally', 'word_count', 'shout', 'pkg_echo', 'loud']);
  });
});

describe('a TypeScript plugin through the real bin', () => {
  it('loads a two-file plugin from a folder without a package.json and runs it in a task', async () => {
    const folder = join(dir, 'plugins');
    cpSync(join(FIXTURES, 'ts-two-files'), folder, { recursive: true });
    server = await spawnServer(['--db', join(dir, 'state.db'), '--plugins', folder], { cwd: dir });
    const catalogue = await server.client.readResource({ uri: 'orchestrate://actions' });
    const actions = JSON.parse(String((catalogue.contents[0] as { text?: string }).text)) as Array<{ name: string; inputSchema: any }>;
    expect(actions.find((action) => action.name === 'loud')?.inputSchema.properties.text.description).toBe('What to say');

    const planned = await server.ok('plan', {
      request: 'say it loud',
      steps: [{ description: 'Say hi', action: 'loud', text: 'hi', volume: 4 }],
    });
    await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    const { task } = await server.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(task.steps[0].summary).toBe('HI!!!!');
    expect(task.steps[0].outputs.data).toEqual({ volume: 4 });
  });
});
