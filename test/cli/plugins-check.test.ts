/** `plugins check` through the real bin: the shipped example folder, and every way a plugin folder can be broken. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = resolve(ROOT, 'test/fixtures/plugins');
const EXAMPLES = resolve(ROOT, 'examples/plugins');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-plugins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plugins check', () => {
  it('loads examples/plugins and lists each action with tier, source and input fields', async () => {
    const result = await cli(['plugins', 'check', '--plugins', 'examples/plugins'], { cwd: ROOT });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Plugin folders:\n  ${EXAMPLES}: todo_scan\n`);
    expect(result.stdout).toContain(`todo_scan  read  ${join(EXAMPLES, 'todo-scan.ts')}\n  Lists the TODO and FIXME comments`);
    expect(result.stdout).toMatch(/^ {4}markers +string\[\] +optional +Words that mark a comment \(default \["TODO","FIXME"\]\)$/m);
    expect(result.stdout).toMatch(/^shell {2}execute {2}built-in$/m);
    expect(result.stdout).toMatch(/^ {4}command +string +required +The shell command line$/m);
    expect(result.stdout).toMatch(/^ {4}level +info\|warning\|error +optional/m);
    expect(result.stdout.trimEnd().endsWith('All 9 actions are valid.')).toBe(true);
  });

  it('prints the actions and their JSON Schemas with --json', async () => {
    const report = await cliJson(['plugins', 'check', '--plugins', EXAMPLES], { cwd: dir });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.dirs).toEqual([{ dir: EXAMPLES, actions: ['todo_scan'] }]);
    expect(report.actions.map((a: { name: string }) => a.name)).toEqual([
      'research',
      'plan',
      'implement',
      'shell',
      'execute',
      'test',
      'review',
      'notify',
      'todo_scan',
    ]);
    const scan = report.actions.find((a: { name: string }) => a.name === 'todo_scan');
    expect(scan).toMatchObject({ tier: 'read', file: join(EXAMPLES, 'todo-scan.ts') });
    expect(scan.inputSchema.properties.markers).toMatchObject({ type: 'array', items: { type: 'string' }, default: ['TODO', 'FIXME'] });
  });

  it('takes the folders from ORCHESTRATE_PLUGINS too, as the server does', async () => {
    const report = await cliJson(['plugins', 'check'], { cwd: dir, env: { ORCHESTRATE_PLUGINS: EXAMPLES } });
    expect(report.dirs).toEqual([{ dir: EXAMPLES, actions: ['todo_scan'] }]);
  });

  it('names the file and the coded error of a broken plugin, and exits 1', async () => {
    const result = await cli(['plugins', 'check', '--plugins', join(FIXTURES, 'invalid')], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('the server would not start with these plugins');
    expect(result.stdout).toContain(`✗ PLUGIN_INVALID: ${join(FIXTURES, 'invalid', 'bad-shape.mjs')}: not a valid action plugin`);
  });

  it('reports every broken folder in one run, each with its code', async () => {
    const args = ['plugins', 'check', '--json'];
    for (const name of ['import-failed', 'api-mismatch', 'duplicate-builtin', 'third-party']) args.push('--plugins', join(FIXTURES, name));
    args.push('--plugins', join(dir, 'no-such-folder'));
    const result = await cli(args, { cwd: dir });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: { code: string; file: string }) => [p.code, p.file])).toEqual([
      ['PLUGIN_IMPORT_FAILED', join(FIXTURES, 'import-failed', 'broken.ts')],
      ['PLUGIN_API_MISMATCH', join(FIXTURES, 'api-mismatch', 'future.mjs')],
      ['PLUGIN_DIR_NOT_FOUND', join(dir, 'no-such-folder')],
      ['PLUGIN_DUPLICATE', join(FIXTURES, 'duplicate-builtin', 'shell.mjs')],
    ]);
    // The folders that load still list their actions.
    expect(report.actions.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['word_count', 'shout']));
    expect(result.stderr).toContain('plugins check: PLUGIN_IMPORT_FAILED: ');
  });

  it('exits 2 on an invalid config file, as serving does', async () => {
    const result = await cli(['plugins', 'check', '--config', join(dir, 'missing.json')], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toContain('missing.json');
  });
});
