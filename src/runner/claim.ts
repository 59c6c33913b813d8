import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../config.js';
import { errorMessage, isOrchestrateError, OrchestrateError } from '../errors.js';
import { packageVersion } from '../version.js';
import { openRunner } from './control.js';
import { selfHolder, tryLock, unlinkQuietly } from './lock.js';
import { prepareRuntimeDir, runnerPaths, type RunnerPaths } from './paths.js';
import type { Identity } from './protocol.js';
import { serveRoute } from './serve-flags.js';

/** A runner that holds its database: what it serves, where, and since when. */
export interface Claim {
  config: Readonly<Config>;
  identity: Identity;
  paths: RunnerPaths;
  startedAt: Date;
}

export type ClaimOutcome = { claim: Claim } | { served: true } | { exitCode: number; message: string };

/**
 * Reads the configuration (as inline serving does, exit 2 listing every problem) and takes the
 * database's runner lock — or finds that another runner already serves it: a bridge that spawned
 * us was killed, and a second bridge spawned again.
 */
export async function claimDatabase(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<ClaimOutcome> {
  const loaded = loadConfig(argv, env);
  if (!loaded.ok)
    return { exitCode: 2, message: `orchestrate-mcp: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n` };
  const version = packageVersion();
  const route = serveRoute(argv, env, version);
  if (route.kind !== 'runner')
    return { exitCode: 2, message: `orchestrate-mcp runner serve: a runner needs a database file and stdio (${route.why})\n` };
  const paths = runnerPaths(route.db, env);
  const startedAt = new Date();
  try {
    prepareRuntimeDir(paths);
    if ((await takeLock(paths, startedAt)) === 'served') return { served: true };
  } catch (error) {
    return { exitCode: 1, message: `orchestrate-mcp: ${isOrchestrateError(error) ? `${error.code}: ` : ''}${errorMessage(error)}\n` };
  }
  const identity = { fingerprint: route.fingerprint, version, configFile: route.configFile, pluginDirs: route.pluginDirs };
  return { claim: { config: loaded.config, identity, paths, startedAt } };
}

/** A runner that is shutting down still holds the lock: wait for it to let go. */
async function takeLock(paths: RunnerPaths, startedAt: Date): Promise<'taken' | 'served'> {
  const holder = selfHolder({ db: paths.db, socket: paths.socket, log: paths.log, startedAt: startedAt.toISOString() });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (tryLock(paths.lock, holder)) {
      // Ours now: any socket file left is a dead runner's.
      unlinkQuietly(paths.socket);
      return 'taken';
    }
    const opened = await openRunner(paths.socket, { orchestrate: 'status' }, 2_000);
    opened.socket?.destroy();
    if (opened.socket && opened.reply.ok && opened.reply.closing !== true) return 'served';
    await sleep(100);
  }
  throw new OrchestrateError('RUNNER_UNAVAILABLE', `Another process holds ${paths.lock} and does not answer on ${paths.socket}.`);
}
