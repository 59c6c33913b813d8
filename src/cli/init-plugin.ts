import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { OrchestrateError } from '../errors.js';
import { PLUGIN_NAME } from '../plugins/validate.js';
import { failure, parseCommandArgs, printJson } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { usageError } from './command.js';
import { table } from './format.js';
import { pluginTemplate, type TemplateFile } from './plugin-templates.js';

const HELP = `Usage: orchestrate-mcp init-plugin <name> [--ts] [--dir DIR] [--json]

Writes a working action plugin to start from: the plugin file, a test that runs it with a
stand-in ctx (node:test and node:assert only), and a README on loading it with --plugins.
<name> is the action name steps use: lower-case letters, digits, "_" or "-", starting with a letter.

Options:
  --ts        TypeScript with zod and definePlugin from orchestrate-mcp/plugin-api (default: an .mjs
              file with a JSON Schema input that imports nothing)
  --dir DIR   the folder to write into (default ./<name>/); created when missing
  --json      print JSON: { dir, files: [path, …] }

Existing files are never overwritten: if one is there, nothing is written (exit 1, FILE_EXISTS).

Example:
  orchestrate-mcp init-plugin word_count --dir ~/orchestrate-plugins
  orchestrate-mcp plugins check --plugins ~/orchestrate-plugins
  node --test ~/orchestrate-plugins/word_count.test.mjs
`;

export const initPluginCommand: CliCommand = {
  name: 'init-plugin',
  summary: 'write a plugin skeleton with a test (--ts for TypeScript)',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'init-plugin', {
      args,
      allowPositionals: true,
      options: { ts: { type: 'boolean' }, dir: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (typeof parsed === 'number') return parsed;
    const { ts = false, dir, json = false } = parsed.values;
    const [name, ...extra] = parsed.positionals;
    if (name === undefined) return usageError(io, 'init-plugin', 'name the action: init-plugin <name>');
    if (extra.length > 0) return usageError(io, 'init-plugin', `one name only; unexpected "${extra.join(' ')}"`);
    if (!PLUGIN_NAME.test(name)) {
      return usageError(
        io,
        'init-plugin',
        `"${name}" is not an action name: lower-case letters, digits, "_" or "-", starting with a letter (max 64)`,
      );
    }
    const target = resolve(io.cwd, dir ?? name);
    const shown = displayPath(io, target);
    try {
      const files = pluginTemplate(name, target, ts);
      writeAll(target, files);
      const paths = files.map((file) => join(target, file.name));
      if (json) printJson(io, { dir: target, files: paths });
      else printCreated(io, shown, files, name, ts);
      return 0;
    } catch (error) {
      return failure(io, 'init-plugin', error, json);
    }
  },
};

/** Every file or none: the check for existing files comes before the first write. */
function writeAll(dir: string, files: readonly TemplateFile[]): void {
  const taken = files.map((file) => join(dir, file.name)).filter((path) => existsSync(path));
  if (taken.length > 0) {
    throw new OrchestrateError('FILE_EXISTS', `${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''}; nothing was written.`, {
      details: { files: taken },
    });
  }
  mkdirSync(dir, { recursive: true });
  for (const file of files) writeFileSync(join(dir, file.name), file.text, { flag: 'wx' });
}

/** The folder as the user would type it from where they are. */
function displayPath(io: CliIo, target: string): string {
  const path = relative(io.cwd, target);
  if (path === '') return '.';
  return path.startsWith('..') || isAbsolute(path) ? target : path;
}

function printCreated(io: CliIo, dir: string, files: readonly TemplateFile[], name: string, ts: boolean): void {
  const listing = table(files.map((file) => [`  ${join(dir, file.name)}`, file.role]));
  const cd = dir === '.' ? '' : `cd ${dir} && `;
  const test = ts
    ? `${cd}npx tsx --test ${name}.test.ts   (needs zod and orchestrate-mcp installed; see README.md)`
    : `node --test ${join(dir, `${name}.test.mjs`)}`;
  io.stdout(
    [
      `Wrote the plugin "${name}":`,
      listing,
      '',
      'Next:',
      `  orchestrate-mcp plugins check --plugins ${dir}`,
      `  ${test}`,
      `  orchestrate-mcp --plugins ${dir}`,
      '',
    ].join('\n'),
  );
}
