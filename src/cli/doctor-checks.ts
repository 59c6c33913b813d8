/** The checks of `doctor` other than the database's, each a line with a fix. */
import { createRequire } from 'node:module';
import type { ConfigResult } from '../config.js';
import { errorMessage } from '../errors.js';
import { isLoopbackHost } from '../transports/loopback.js';
import { discoverAgents, KNOWN_AGENTS } from '../../plugins/lib/agent-discovery.js';
import { fail, ok, warn, type Check } from './doctor-check.js';
import type { PluginScan } from './plugin-scan.js';

const MIN_NODE_MAJOR = 20;
const MIN_TOKEN_LENGTH = 16;

export function nodeCheck(version: string): Check {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? ok('node', `${version} (needs ${MIN_NODE_MAJOR} or newer)`)
    : fail(
        'node',
        `${version} is too old`,
        `Install Node ${MIN_NODE_MAJOR} or newer (https://nodejs.org, or nvm install ${MIN_NODE_MAJOR}).`,
      );
}

/** better-sqlite3 loads its native addon on the first open, so opening an in-memory database is the test. */
export async function sqliteCheck(): Promise<Check> {
  const fix = 'Rebuild the native module for this Node: npm rebuild better-sqlite3 (needs a C++ toolchain when no prebuilt binary fits).';
  try {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(':memory:');
    const sqlite = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    db.close();
    const version = (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version;
    return ok('sqlite', `better-sqlite3 ${version}, SQLite ${sqlite.v}`);
  } catch (error) {
    return fail('sqlite', `better-sqlite3 does not load: ${errorMessage(error)}`, fix);
  }
}

export function configCheck(loaded: ConfigResult, file: string | undefined): Check {
  if (!loaded.ok) {
    return fail(
      'config',
      `invalid:\n${loaded.problems.map((p) => `- ${p}`).join('\n')}`,
      'Fix the listed flags or fields; the server refuses to start (exit 2) until they are right.',
    );
  }
  return ok('config', file ? `${file} is valid` : 'no config file (--config / ORCHESTRATE_CONFIG): the defaults apply');
}

/** One line per plugin folder, and one per problem (which would stop the server from starting). */
export function pluginChecks(scan: PluginScan): Check[] {
  const builtins = scan.actions.filter((action) => action.file === 'built-in').length;
  if (scan.dirs.length === 0 && scan.problems.length === 0)
    return [ok('plugins', `built-in actions only (${builtins}); no plugin folders`)];
  const broken = new Set(scan.problems.map((problem) => problem.file));
  const folders = scan.dirs
    .filter(({ dir }) => ![...broken].some((file) => file === dir || file.startsWith(`${dir}/`)))
    .map(({ dir, actions }) => ok('plugins', `${dir}: ${actions.length} action(s)${actions.length > 0 ? `: ${actions.join(', ')}` : ''}`));
  const problems = scan.problems.map((problem) =>
    fail(
      'plugins',
      `${problem.code}: ${problem.message}`,
      `${problem.hint ?? 'Fix or remove the file.'} Run \`orchestrate-mcp plugins check\` for the details.`,
    ),
  );
  return [...folders, ...problems];
}

/** Coding-agent CLIs the implement action can drive: configured ones and those found on the search path. */
export function agentsCheck(implementOptions: Readonly<Record<string, unknown>>, path: string): Check {
  const configured = Object.keys((implementOptions.agents as Record<string, unknown> | undefined) ?? {});
  const searchPath = typeof implementOptions.path === 'string' ? implementOptions.path : path;
  const found = implementOptions.discover === false ? [] : discoverAgents(searchPath);
  const names = [...configured.map((name) => `${name} (configured)`), ...found.map((agent) => `${agent.name} (${agent.command})`)];
  if (names.length > 0) return ok('agents', names.join(', '));
  return warn(
    'agents',
    `no coding-agent CLI found on PATH (looked for ${KNOWN_AGENTS.map((agent) => agent.name).join(', ')})`,
    'Steps with the implement action fail until one is installed on PATH or set under plugins.implement.agents in the config.',
  );
}

/** Only when HTTP settings are given: a token where the network can reach the server, and one worth having. */
export function httpCheck(settings: {
  transport?: string;
  host?: string;
  token?: string;
  allowedHosts: readonly string[];
}): Check | undefined {
  const { transport = 'stdio', host = '127.0.0.1', token } = settings;
  if (transport !== 'http' && settings.host === undefined && token === undefined) return undefined;
  if (transport !== 'http') {
    return warn('http', 'a token or host is set but the transport is stdio: they are not used', 'Add --transport http to serve over HTTP.');
  }
  if (!isLoopbackHost(host) && !token) {
    return fail(
      'http',
      `${host} is reachable from the network and no token is set`,
      'Set --token (or ORCHESTRATE_TOKEN) to a long random value.',
    );
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    return warn(
      'http',
      `the token is ${token.length} characters long`,
      `Use at least ${MIN_TOKEN_LENGTH} random characters, e.g. openssl rand -hex 24.`,
    );
  }
  if (['0.0.0.0', '::'].includes(host) && settings.allowedHosts.length === 0) {
    return warn(
      'http',
      `listening on ${host}: only loopback Host headers are accepted`,
      'List the names clients use to reach the server in http.allowedHosts in the config.',
    );
  }
  return ok('http', `${host}${token ? ', bearer token set' : ', loopback only'}`);
}

/** Which clients plan by sampling is a property of the clients, not of this machine: a note. */
export function samplingNote(): Check {
  return ok(
    'sampling',
    'clients that offer sampling plan with their own model (VS Code / GitHub Copilot, fast-agent, goose, …); ' +
      'Claude Desktop, Claude Code and Cursor do not sample, so their model writes the steps itself (host-written plans)',
  );
}
