import { chmodSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Claim } from './claim.js';
import type { RunnerEngine } from './engine-port.js';
import { ConnectionHub } from './hub.js';
import { bridgeVerdict } from './identity.js';
import { watchIdle } from './idle.js';
import type { RunnerPaths } from './paths.js';
import { orderedRunnerShutdown } from './shutdown.js';

const DEFAULT_IDLE_MS = 30_000;

/**
 * Listens on the runner socket and serves until told to stop or idle, then shuts down in order:
 * stop accepting, close the client sessions, the engine and database, remove the socket and lock.
 */
export async function startServing(claim: Claim, runner: RunnerEngine, logger: Logger): Promise<void> {
  const { config, identity, paths, startedAt } = claim;
  const idleMs = config.runner === false ? DEFAULT_IDLE_MS : config.runner.idleMs;
  let server: Server | undefined;
  const hub: ConnectionHub = new ConnectionHub({
    runner,
    logger,
    samplingTimeoutMs: config.samplingTimeoutMs,
    accepts: (hello) => bridgeVerdict(identity, hello, { db: paths.db, pid: process.pid }),
    status: () => ({
      pid: process.pid,
      db: paths.db,
      socket: paths.socket,
      log: paths.log,
      version: identity.version,
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
    ['accepting connections', async () => (server?.close(), idle.stop())],
    ['client sessions', () => hub.closeAll()],
    ['the engine and database', () => runner.close()],
  ]);
  try {
    server = await listen(paths, (socket) => hub.accept(socket));
  } catch (error) {
    idle.stop();
    throw error;
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // No terminal is ours; a stray hangup must not end approved work.
  process.on('SIGHUP', () => {});
  logger.info({ db: paths.db, socket: paths.socket, pid: process.pid, idleSeconds: idleMs / 1000 }, 'orchestrate-mcp runner ready');
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
