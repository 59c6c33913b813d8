/**
 * The serve flags as the bridge reads them: only what decides where the engine runs (inline or a
 * background runner) and which runner serves this database. Node built-ins only: the bridge path
 * loads this before deciding whether the MCP SDK, zod, pino or SQLite are needed at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Every serve flag; src/config.ts parses the same table, so the two never disagree. */
export const SERVE_OPTIONS = {
  transport: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  db: { type: 'string' },
  plugins: { type: 'string', multiple: true },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  inline: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

type Env = Readonly<Record<string, string | undefined>>;

/** Where serving happens: in this process, or through the runner of `db`. */
export type ServeRoute =
  | { kind: 'inline'; why: string }
  | { kind: 'runner'; db: string; fingerprint: string; configFile: string | undefined; pluginDirs: string[] };

/** The database file when neither --db nor ORCHESTRATE_DB names one. */
export function defaultDb(env: Env): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(stateHome, 'orchestrate-mcp', 'state.db');
}

/** The database a command line and environment name, resolved against the working directory. */
export function databaseOf(flag: string | undefined, env: Env, cwd = process.cwd()): string {
  const db = flag ?? env.ORCHESTRATE_DB ?? defaultDb(env);
  return db === ':memory:' ? db : resolve(cwd, db);
}

/** True for ORCHESTRATE_INLINE=1 / true / yes. */
export function inlineByEnv(env: Env): boolean {
  return /^(1|true|yes)$/i.test(env.ORCHESTRATE_INLINE ?? '');
}

/**
 * Decides the route cheaply. Anything this cannot read (bad flags, an unreadable or non-JSON config
 * file) routes inline, where the full config parser reports it and exits 2.
 */
export function serveRoute(argv: readonly string[], env: Env, version: string): ServeRoute {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: SERVE_OPTIONS }).values;
  } catch {
    return { kind: 'inline', why: 'flags to report' };
  }
  if (values.inline === true || inlineByEnv(env)) return { kind: 'inline', why: '--inline' };
  const transport = (values.transport as string | undefined) ?? env.ORCHESTRATE_TRANSPORT ?? 'stdio';
  if (transport !== 'stdio') return { kind: 'inline', why: 'not stdio' };
  const db = databaseOf(values.db as string | undefined, env);
  if (db === ':memory:') return { kind: 'inline', why: ':memory:' };
  const configPath = (values.config as string | undefined) ?? env.ORCHESTRATE_CONFIG;
  const configFile = configPath === undefined ? undefined : resolve(configPath);
  let configText = '';
  if (configFile !== undefined) {
    try {
      configText = readFileSync(configFile, 'utf8');
      const parsed: unknown = JSON.parse(configText);
      if (typeof parsed === 'object' && parsed !== null && (parsed as { runner?: unknown }).runner === false) {
        return { kind: 'inline', why: 'config runner: false' };
      }
    } catch {
      return { kind: 'inline', why: 'config to report' };
    }
  }
  const pluginDirs = pluginDirsOf((values.plugins as string[] | undefined) ?? [], env);
  return { kind: 'runner', db, configFile, pluginDirs, fingerprint: fingerprintOf({ version, db, configFile, configText, pluginDirs }) };
}

/** The plugin folders: every `--plugins`, then the ORCHESTRATE_PLUGINS path list, absolute. */
export function pluginDirsOf(flags: readonly string[], env: Env): string[] {
  const listed = env.ORCHESTRATE_PLUGINS ? env.ORCHESTRATE_PLUGINS.split(delimiter).filter(Boolean) : [];
  return [...flags, ...listed].map((dir) => resolve(dir));
}

/** The plugin folders a serve command line and environment name; none when the flags do not parse (the config parser reports them). */
export function servePluginDirs(argv: readonly string[], env: Env): string[] {
  try {
    const { values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: SERVE_OPTIONS });
    return pluginDirsOf(values.plugins ?? [], env);
  } catch {
    return [];
  }
}

/**
 * What must match for a bridge to share a runner: the version, the database, the config file (path
 * and content) and the plugin folders. Log level and environment are the starting bridge's.
 */
function fingerprintOf(parts: {
  version: string;
  db: string;
  configFile: string | undefined;
  configText: string;
  pluginDirs: string[];
}): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
