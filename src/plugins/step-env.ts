/**
 * The environment a step's command starts with: only what programs need to run, never the
 * server's own settings or credentials. Operators add names with `exec.envPassthrough`; a plugin
 * may ask for more names for one command (an agent's API key, from that agent's config).
 */

/** What every command gets from the server's environment, when set there. */
export const BASE_ENV_NAMES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'TZ'] as const;

/** Never passed to a step, whatever asks for it: the server's own bearer token. */
const NEVER = new Set(['ORCHESTRATE_TOKEN']);

const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The base environment of every step: the names above plus `passthrough`, as the server has them. */
export function stepEnvironment(
  serverEnv: Readonly<Record<string, string | undefined>>,
  passthrough: readonly string[] = [],
): Record<string, string> {
  const env = pick(serverEnv, [...BASE_ENV_NAMES, ...passthrough]);
  env['PATH'] ??= FALLBACK_PATH;
  return env;
}

/** The named variables of `serverEnv` that are set, leaving out the ones no step may see. */
export function pick(serverEnv: Readonly<Record<string, string | undefined>>, names: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = serverEnv[name];
    if (value !== undefined && !NEVER.has(name)) env[name] = value;
  }
  return env;
}
