/** Every subcommand's `--help`, and the usage errors (exit 2) of strict option parsing, through the real bin. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-help-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMANDS = ['tasks', 'show', 'plugins check', 'doctor', 'init-plugin'];

describe('--help', () => {
  it('lists every command in the main help', async () => {
    const result = await cli(['--help'], { cwd: dir });
    expect(result.code).toBe(0);
    for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each(COMMANDS)('%s --help prints its usage, options and an example', async (name) => {
    const result = await cli([...name.split(' '), '--help'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: orchestrate-mcp ${name}\\b`));
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toMatch(/\nExample:\n {2}orchestrate-mcp /);
  });

  it('`plugins` alone names its subcommand', async () => {
    const result = await cli(['plugins'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('name one of: check');
  });
});

describe('bad options', () => {
  it.each([
    ['tasks', '--nope'],
    ['show', '--nope'],
    ['plugins check', '--nope'],
    ['doctor', '--nope'],
    ['init-plugin', '--nope'],
  ])('%s %s exits 2 with the problem and a pointer to --help', async (name, option) => {
    const result = await cli([...name.split(' '), option], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`orchestrate-mcp ${name}: Unknown option '${option}'`);
    expect(result.stderr).toContain(`Run \`orchestrate-mcp ${name} --help\` for usage.`);
  });

  it('a missing option value exits 2', async () => {
    const result = await cli(['tasks', '--db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Option '--db <value>' argument missing");
  });

  it('stray arguments exit 2', async () => {
    expect((await cli(['tasks', 'extra'], { cwd: dir })).code).toBe(2);
    expect((await cli(['doctor', 'extra'], { cwd: dir })).code).toBe(2);
  });
});
