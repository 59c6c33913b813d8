/**
 * `init-plugin` through the real bin: the skeleton it writes passes `plugins check`, and the test
 * it writes passes when run as its README says.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binEnv, exitOf } from '../helpers/bin.js';
import { cli, cliJson } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node <args>` in `cwd` to its end. */
async function node(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd, env: binEnv(), stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = await exitOf(child);
  return { code: exit.code, output };
}

describe('init-plugin', () => {
  it('writes an .mjs plugin into ./<name>/ that plugins check accepts and whose test passes', async () => {
    const result = await cli(['init-plugin', 'word_count'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('word_count/word_count.mjs');
    expect(result.stdout).toContain('orchestrate-mcp plugins check --plugins word_count');
    const folder = join(dir, 'word_count');
    expect(readFileSync(join(folder, 'word_count.mjs'), 'utf8')).not.toMatch(/^import /m);
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain(`orchestrate-mcp --plugins ${folder}`);

    const checked = await cliJson(['plugins', 'check', '--plugins', 'word_count'], { cwd: dir });
    const action = checked.actions.find((a: { name: string }) => a.name === 'word_count');
    expect(action).toMatchObject({ tier: 'read', file: join(folder, 'word_count.mjs') });
    expect(action.inputSchema.required).toEqual(['text']);
    expect(checked.dirs).toEqual([{ dir: folder, actions: ['word_count'] }]);

    const tested = await node(['--test', 'word_count.test.mjs'], folder);
    expect(tested.output).toMatch(/# pass 4\n/);
    expect(tested.output).toMatch(/# fail 0\n/);
    expect(tested.code).toBe(0);
  });

  it('writes a TypeScript plugin with --ts into --dir; it loads with no install and its test passes under tsx', async () => {
    const folder = join(dir, 'plugins');
    const result = await cliJson<{ dir: string; files: string[] }>(['init-plugin', 'shout-it', '--ts', '--dir', 'plugins'], { cwd: dir });
    expect(result).toEqual({ dir: folder, files: ['shout-it.ts', 'shout-it.test.ts', 'README.md'].map((f) => join(folder, f)) });
    const source = readFileSync(join(folder, 'shout-it.ts'), 'utf8');
    expect(source).toContain("import { z } from 'zod';");
    expect(source).toContain("import { definePlugin } from 'orchestrate-mcp/plugin-api';");
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain('npx tsx --test shout-it.test.ts');

    // The server provides zod and the plugin API: the folder needs nothing installed to load.
    const checked = await cli(['plugins', 'check', '--plugins', 'plugins'], { cwd: dir });
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/^ {4}text +string +required +The text to count$/m);
    expect(checked.stdout).toMatch(/^ {4}unique +boolean +optional +Count distinct words only \(default false\)$/m);

    // A test run needs them installed, as the README says; links stand in for `npm install`.
    mkdirSync(join(folder, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules', 'zod'), join(folder, 'node_modules', 'zod'));
    symlinkSync(ROOT, join(folder, 'node_modules', 'orchestrate-mcp'));
    const tested = await node([join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--test', 'shout-it.test.ts'], folder);
    expect(tested.output).toMatch(/# pass 4\n/);
    expect(tested.code).toBe(0);
  });

  it('refuses to overwrite: FILE_EXISTS, exit 1, and nothing written', async () => {
    const folder = join(dir, 'tools');
    mkdirSync(folder);
    writeFileSync(join(folder, 'README.md'), 'mine\n');
    const result = await cli(['init-plugin', 'lint', '--dir', 'tools', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`FILE_EXISTS: ${join(folder, 'README.md')} already exists; nothing was written.`);
    expect(JSON.parse(result.stdout).error.code).toBe('FILE_EXISTS');
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(folder, 'lint.mjs'))).toBe(false);
  });

  it('rejects a name that is not an action name, and a missing one (exit 2)', async () => {
    const bad = await cli(['init-plugin', 'Word Count'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"Word Count" is not an action name');
    expect((await cli(['init-plugin'], { cwd: dir })).code).toBe(2);
    expect(existsSync(join(dir, 'Word Count'))).toBe(false);
  });
});
