/**
 * The background runner: one process per database file, started detached by the first bridge that
 * needs it. It holds the database's lock for its whole life, serves every bridge's MCP session over
 * one engine, and exits in order when told to stop or when idle (no client, no unfinished task).
 */
import { chmodSync, closeSync, writeSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config.js';
import { errorMessage, isOrchestrateError, OrchestrateError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createMasker } from '../secrets.js';
import { packageVersion } from '../version.js';
import { openRunner } from './control.js';
import { openRunnerEngine } from './engine-port.js';
import { ConnectionHub } from './hub.js';
import { bridgeVerdict } from './identity.js';
import { watchIdle } from './idle.js';
import { releaseLock, selfHolder, tryLock, unlinkQuietly } from './lock.js';
import { prepareRuntimeDir, runnerPaths, type RunnerPaths } from './paths.js';
import type { Identity } from './protocol.js';
import { serveRoute } from './serve-flags.js';
import { orderedRunnerShutdown } from './shutdown.js';

const DEFAULT_IDLE_MS = 30_000;

/** Resolves to an exit code when the runner does not start; otherwise it lives until it shuts down. */
export async function serveRunner(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  readyFd: number | undefined,
): Promise<number | undefined> {
  const ready = readyChannel(readyFd);
  const fail = (exitCode: number, message: string): number => {
    process.stderr.write(message);
    ready({ ok: false, exitCode, message });
    return exitCode;
  };
  const loaded = loadConfig(argv, env);
  if (!loaded.ok) return fail(2, `orchestrate-mcp: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  const config = loaded.config;
  const version = packageVersion();
  const route = serveRoute(argv, env, version);
  if (route.kind !== 'runner') return fail(2, `orchestrate-mcp runner serve: a runner needs a database file and stdio (${route.why})\n`);
  const paths = runnerPaths(route.db, env);
  const startedAt = new Date();
  try {
    prepareRuntimeDir(paths);
    if ((await takeLock(paths, startedAt)) === 'served') {
      ready({ ok: true, existing: true });
      return 0;
    }
  } catch (error) {
    return fail(1, `orchestrate-mcp: ${isOrchestrateError(error) ? `${error.code}: ` : ''}${errorMessage(error)}\n`);
  }
  const logger = createLogger(config.logLevel, createMasker(config.secretValues));
  let runner;
  try {
    runner = await openRunnerEngine(config, logger);
  } catch (error) {
    releaseLock(paths.lock);
    if (isOrchestrateError(error)) return fail(1, `orchestrate-mcp: ${error.code}: ${error.message}\nHint: ${error.hint}\n`);
    logger.fatal({ err: errorMessage(error) }, 'runner start-up failed');
    return fail(1, `orchestrate-mcp: the runner could not start: ${errorMessage(error)}\n`);
  }
  const identity: Identity = { fingerprint: route.fingerprint, version, configFile: route.configFile, pluginDirs: route.pluginDirs };
  const idleMs = config.runner === false ? DEFAULT_IDLE_MS : config.runner.idleMs;
  let server: Server | undefined;
  const hub = new ConnectionHub({
    runner,
    logger,
    samplingTimeoutMs: config.samplingTimeoutMs,
    accepts: (hello) => bridgeVerdict(identity, hello, { db: paths.db, pid: process.pid }),
    status: (): Record<string, unknown> => ({
      pid: process.pid,
      db: paths.db,
      socket: paths.socket,
      log: paths.log,
      version,
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      clients: hub.clients,
      unfinishedTasks: runner.unfinished(),
      idleSeconds: idleMs / 1000,
      configFile: identity.configFile ?? null,
      pluginDirs: identity.pluginDirs,
    }),
    stop: (why) => shutdown(why),
  });
  const idle = watchIdle(
    idleMs,
    () => hub.clients > 0 || runner.unfinished().length > 0,
    () => shutdown('idle'),
  );
  const shutdown = orderedRunnerShutdown(logger, paths, [
    ['accepting connections', () => (server?.close(), idle.stop(), Promise.resolve())],
    ['client sessions', () => hub.closeAll()],
    ['the engine and database', () => runner.close()],
  ]);
  try {
    server = await listen(paths, (socket) => hub.accept(socket));
  } catch (error) {
    idle.stop();
    await runner.close().catch(() => {});
    releaseLock(paths.lock);
    return fail(1, `orchestrate-mcp: cannot listen on ${paths.socket}: ${errorMessage(error)}\n`);
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // No terminal is ours; a stray hangup must not end approved work.
  process.on('SIGHUP', () => {});
  ready({ ok: true });
  logger.info({ db: paths.db, socket: paths.socket, pid: process.pid, idleSeconds: idleMs / 1000 }, 'orchestrate-mcp runner ready');
  return undefined;
}

/**
 * Takes the database's runner lock, or finds that another runner already serves it (a bridge that
 * spawned us and was killed, and a second bridge that spawned again). A runner that is shutting
 * down still holds the lock: wait for it.
 */
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

function listen(paths: RunnerPaths, onConnection: (socket: Socket) => void): Promise<Server> {
  // Half-open: a bridge whose client's stdin ended still reads the answers to what it sent.
  const server = createNetServer({ allowHalfOpen: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => {
      server.off('error', reject);
      chmodSync(paths.socket, 0o600);
      resolve(server);
    });
  });
}

/** One line to the bridge that spawned us (fd 3), then the pipe closes; nothing when run by hand. */
function readyChannel(fd: number | undefined): (value: Record<string, unknown>) => void {
  let open = fd !== undefined && Number.isInteger(fd);
  return (value) => {
    if (!open) return;
    open = false;
    try {
      writeSync(fd as number, `${JSON.stringify(value)}\n`);
      closeSync(fd as number);
    } catch {
      // The bridge is gone; the next one finds us by the socket.
    }
  };
}
