import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { parseCommandArgs, printJson } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { indent } from './format.js';
import { registryOptionsOf } from '../registry-options.js';
import { scanPlugins, type PluginScan } from './plugin-scan.js';
import { fieldsText, schemaFields } from './schema-fields.js';

const HELP = `Usage: orchestrate-mcp plugins check [--plugins DIR ...] [--config FILE] [--json]

Loads the built-in actions and the plugin folders exactly as the server does at start-up
(--plugins, then the ORCHESTRATE_PLUGINS path list), validates every plugin, and lists each action
with its tier, description, source file and input fields. A plugin that would stop the server is
reported with its file and coded error (PLUGIN_IMPORT_FAILED, PLUGIN_INVALID, PLUGIN_API_MISMATCH,
PLUGIN_DUPLICATE, PLUGIN_DIR_NOT_FOUND); every folder is checked, not only the first bad one.

Options:
  --plugins DIR   a plugin folder (repeatable)
  --config FILE   the JSON config file (its per-plugin options and exec rules), as when serving
  --json          print JSON: { ok, dirs, actions: [{ name, tier, description, file, inputSchema }], problems }

Exit codes: 0 every plugin is valid, 1 a plugin is broken, 2 bad usage or an invalid config.

Example:
  orchestrate-mcp plugins check --plugins ~/orchestrate-plugins
`;

export const pluginsCheckCommand: CliCommand = {
  name: 'plugins check',
  summary: 'load and validate the plugins; list each action with its input schema',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'plugins check', {
      args,
      options: { plugins: { type: 'string', multiple: true }, config: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (typeof parsed === 'number') return parsed;
    const { plugins = [], config, json = false } = parsed.values;
    const argv = [
      ...(config ? ['--config', resolve(io.cwd, config)] : []),
      ...plugins.flatMap((dir) => ['--plugins', resolve(io.cwd, dir)]),
    ];
    const loaded = loadConfig(argv, io.env);
    if (!loaded.ok) {
      io.stderr(`orchestrate-mcp plugins check: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    const scan = await scanPlugins(loaded.config.pluginDirs, registryOptionsOf(loaded.config));
    const ok = scan.problems.length === 0;
    if (json) {
      printJson(io, { ok, ...scan });
      for (const problem of scan.problems) io.stderr(`orchestrate-mcp plugins check: ${problem.code}: ${problem.message}\n`);
    } else {
      printScan(io, scan);
    }
    return ok ? 0 : 1;
  },
};

function printScan(io: CliIo, scan: PluginScan): void {
  const builtins = scan.actions.filter((action) => action.file === 'built-in').length;
  const folders = scan.dirs.map(({ dir, actions }) => `  ${dir}: ${actions.length === 0 ? 'nothing loaded' : actions.join(', ')}`);
  const blocks = scan.actions.map((action) =>
    [
      `${action.name}  ${action.tier}  ${action.file}`,
      indent(action.description, '  '),
      '  input:',
      indent(fieldsText(schemaFields(action.inputSchema)), '    '),
    ].join('\n'),
  );
  const problems = scan.problems.map((problem) => `  ✗ ${problem.code}: ${indent(problem.message, '    ').trimStart()}`);
  const verdict =
    scan.problems.length === 0
      ? `All ${scan.actions.length} actions are valid.`
      : `${scan.problems.length} problem(s); the server would not start with these plugins:\n${problems.join('\n')}`;
  const head = [
    `Built-in actions: ${builtins}.`,
    scan.dirs.length === 0 ? 'Plugin folders: none.' : `Plugin folders:\n${folders.join('\n')}`,
  ];
  io.stdout(`${[...head, '', blocks.join('\n\n'), '', verdict].join('\n')}\n`);
}
