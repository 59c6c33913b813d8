import { resolve } from 'node:path';
import { databasePath, loadConfig } from '../config.js';
import { pluginDirsOf } from '../runner/serve-flags.js';
import { packageVersion } from '../version.js';
import { parseCommandArgs, printJson } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import type { Check } from './doctor-check.js';
import { agentsCheck, configCheck, httpCheck, nodeCheck, pluginChecks, samplingNote, sqliteCheck } from './doctor-checks.js';
import { databaseChecks } from './doctor-database.js';
import { indent } from './format.js';
import { registryOptionsOf } from '../registry-options.js';
import { scanPlugins } from './plugin-scan.js';

const HELP = `Usage: orchestrate-mcp doctor [serve flags] [--json]

Checks what the server needs, one line per check (ok, warn or fail, with a fix):
Node version, better-sqlite3, the database (path, opens, schema version, journal mode, size, tasks
by phase, executing tasks whose server is gone), the config file, the plugin folders, coding-agent
CLIs on PATH, the HTTP token and host when set, and which MCP clients can sample.

Takes the flags you serve with, so it checks that setup: --db PATH, --plugins DIR (repeatable),
--config FILE, --transport, --host, --port, --token, --log-level (each also from its
ORCHESTRATE_* variable, as when serving). It only reads; it works while a server runs.

Options:
  --json   print JSON: { ok, checks: [{ name, status, detail, fix? }] }

Exit codes: 1 when any check fails, 0 otherwise (warnings included), 2 bad usage.

Example:
  orchestrate-mcp doctor --db ~/.local/state/orchestrate-mcp/state.db --plugins ~/orchestrate-plugins
`;

const SERVE_OPTIONS = {
  transport: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  db: { type: 'string' },
  plugins: { type: 'string', multiple: true },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Flags whose values are paths, resolved from the directory the command runs in. */
const PATH_FLAGS = new Set(['db', 'config', 'plugins']);

const MARKS: Record<Check['status'], string> = { ok: '✓ ok  ', warn: '! warn', fail: '✗ fail' };

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check Node, SQLite, the database, config, plugins, agents on PATH and HTTP settings',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'doctor', { args, options: SERVE_OPTIONS });
    if (typeof parsed === 'number') return parsed;
    const { json = false, ...flags } = parsed.values;
    const checks = await runChecks(io, flags);
    const failed = checks.some((check) => check.status === 'fail');
    if (json) printJson(io, { ok: !failed, checks });
    else io.stdout(report(checks));
    return failed ? 1 : 0;
  },
};

type Flags = Partial<Record<Exclude<keyof typeof SERVE_OPTIONS, 'plugins' | 'json'>, string>> & { plugins?: string[] };

async function runChecks(io: CliIo, flags: Flags): Promise<Check[]> {
  const at = (path: string | undefined): string | undefined => (path === undefined ? undefined : resolve(io.cwd, path));
  const argv: string[] = [];
  for (const [name, value] of Object.entries(flags)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') argv.push(`--${name}`, PATH_FLAGS.has(name) ? resolve(io.cwd, item) : item);
    }
  }
  const loaded = loadConfig(argv, io.env);
  const config = loaded.ok ? loaded.config : undefined;
  const pluginDirs = pluginDirsOf(
    (flags.plugins ?? []).map((dir) => resolve(io.cwd, dir)),
    io.env,
  );
  const scan = await scanPlugins(pluginDirs, config ? registryOptionsOf(config) : { pluginOptions: {} });
  const http = httpCheck({
    transport: flags.transport ?? io.env.ORCHESTRATE_TRANSPORT,
    host: flags.host ?? io.env.ORCHESTRATE_HOST,
    token: flags.token ?? io.env.ORCHESTRATE_TOKEN,
    allowedHosts: config?.http.allowedHosts ?? [],
  });
  return [
    nodeCheck(process.version),
    await sqliteCheck(),
    ...databaseChecks(databasePath(at(flags.db), io.env), new Date()),
    configCheck(loaded, at(flags.config) ?? io.env.ORCHESTRATE_CONFIG),
    ...pluginChecks(scan),
    agentsCheck(config?.pluginOptions.implement ?? {}, io.env.PATH ?? ''),
    ...(http ? [http] : []),
    samplingNote(),
  ];
}

function report(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.map((check) => {
    const head = `${MARKS[check.status]}  ${check.name.padEnd(width)}  `;
    const detail = indent(check.detail, ' '.repeat(head.length)).trimStart();
    const fix = check.fix ? `\n${' '.repeat(head.length)}fix: ${check.fix}` : '';
    return `${head}${detail}${fix}`;
  });
  const failed = checks.filter((check) => check.status === 'fail').length;
  const warned = checks.filter((check) => check.status === 'warn').length;
  const verdict =
    failed > 0 ? `${failed} failed, ${warned} warning(s).` : warned > 0 ? `No failures, ${warned} warning(s).` : 'All checks passed.';
  return `orchestrate-mcp ${packageVersion()} doctor\n${lines.join('\n')}\n${verdict}\n`;
}
