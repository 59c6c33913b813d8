import type { Identity, Reply } from './protocol.js';

/**
 * One runner per database, whatever the flags: two engines on one file is what the runner exists
 * to avoid. A bridge whose version, config file (path or content) or plugin folders differ from the
 * runner's is refused with what differs, instead of being served with settings it did not ask for.
 */
export function bridgeVerdict(own: Identity, hello: Identity, where: { db: string; pid: number }): Reply {
  if (hello.fingerprint === own.fingerprint) return { ok: true, pid: where.pid };
  const differences: string[] = [];
  if (hello.version !== own.version) differences.push(`version ${hello.version} here, ${own.version} in the runner`);
  if (hello.configFile !== own.configFile) {
    differences.push(`config file ${hello.configFile ?? '(none)'} here, ${own.configFile ?? '(none)'} in the runner`);
  }
  if (hello.pluginDirs.join('\n') !== own.pluginDirs.join('\n')) {
    differences.push(`plugin folders [${hello.pluginDirs.join(', ')}] here, [${own.pluginDirs.join(', ')}] in the runner`);
  }
  if (differences.length === 0) differences.push(`the config file ${own.configFile ?? ''} changed since the runner started`);
  return {
    ok: false,
    code: 'RUNNER_CONFIG_MISMATCH',
    message: `The background runner of ${where.db} (pid ${where.pid}) serves another configuration: ${differences.join('; ')}.`,
    hint: `Give every client the same flags, restart the runner with \`orchestrate-mcp runner stop --db ${where.db}\` (the next client starts a new one), or serve this client with --inline.`,
  };
}
