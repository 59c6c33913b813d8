import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { App } from './app.js';
import { wantsServer } from './cli/wants-server.js';
import { errorMessage, isOrchestrateError } from './errors.js';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openApp } from './open-app.js';
import { createMasker } from './secrets.js';

/**
 * The process entry: the only module that reads argv, env, signals and stdio. Resolves to an exit
 * code when start-up fails; otherwise the process lives until stdin closes (stdio) or a signal arrives.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  // The command line's modules load only for a command; serving needs none of them.
  if (!wantsServer(argv)) {
    const { runCli } = await import('./cli/index.js');
    const dispatched = await runCli(argv, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env,
      cwd: process.cwd(),
    });
    if (dispatched !== 'serve') return dispatched;
  }
  const loaded = loadConfig(argv, env);
  if (!loaded.ok) {
    process.stderr.write(`orchestrate-mcp: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const config = loaded.config;
  // In HTTP mode too: nothing but the protocol ever goes to stdout, so a plugin's console.log lands on stderr.
  const protocolOut = reserveStdoutForProtocol();

  const logger = createLogger(config.logLevel, createMasker(config.secretValues));
  // The MCP server and the transport load while the app opens (and its plugin hosts boot).
  const serving = config.transport === 'http' ? undefined : Promise.all([import('./server.js'), import('./transports/stdio.js')]);
  serving?.catch(() => {});
  let app;
  try {
    app = await openApp(config, { logger });
  } catch (error) {
    if (isOrchestrateError(error)) {
      process.stderr.write(`orchestrate-mcp: ${error.code}: ${error.message}\nHint: ${error.hint}\n`);
      // A bad option is a configuration problem, like a bad flag; a plugin that cannot load is not.
      return error.code === 'CONFIG_INVALID' ? 2 : 1;
    }
    logger.fatal({ err: errorMessage(error) }, 'start-up failed');
    return 1;
  }
  if (!serving) return serveHttp(app, config, logger);
  const [{ createServer }, { StdioTransport }] = await serving;
  const { mcp } = createServer({
    engine: app.engine,
    approval: app.approval,
    clock: app.clock,
    logger,
    samplingTimeoutMs: config.samplingTimeoutMs,
  });
  const transport = new StdioTransport(process.stdin, protocolOut, { logger });

  const shutdown = orderedShutdown(logger, [
    ['the engine and database', () => app.close()],
    ['the stdio transport', () => mcp.close()],
  ]);
  // The transport does not end on stdin EOF; an orphaned server would hold the database.
  process.stdin.once('end', () => shutdown('stdin closed'));
  process.stdin.once('close', () => shutdown('stdin closed'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  await mcp.connect(transport);
  logger.info({ db: config.db, transport: 'stdio' }, 'orchestrate-mcp ready');
  return undefined;
}

/**
 * `--transport http`: the HTTP stack is imported only here, so stdio start-up does not pay for it.
 * Shutdown on a signal: stop accepting and close every session, then the engine and the database.
 */
async function serveHttp(app: App, config: Readonly<Config>, logger: Logger): Promise<number | undefined> {
  const { startHttpServer } = await import('./transports/http.js');
  let http;
  try {
    http = await startHttpServer(app, config, logger);
  } catch (error) {
    process.stderr.write(`orchestrate-mcp: cannot listen on ${config.host}:${config.port}: ${errorMessage(error)}\n`);
    await app.close().catch(() => {});
    return 1;
  }
  const server = http;
  const shutdown = orderedShutdown(logger, [
    ['HTTP sessions', () => server.close()],
    ['the engine and database', () => app.close()],
  ]);
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  logger.info({ db: config.db, transport: 'http', host: config.host, port: server.port, url: server.url }, 'orchestrate-mcp ready');
  if (['0.0.0.0', '::'].includes(config.host) && config.http.allowedHosts.length === 0) {
    logger.warn('only loopback Host headers are accepted: list the names clients use to reach this server in http.allowedHosts');
  }
  return undefined;
}

/**
 * An ordered shutdown: every stage runs in turn even when an earlier one fails, and the process
 * exits within 4.5 s whatever hangs.
 */
function orderedShutdown(logger: Logger, stages: ReadonlyArray<readonly [string, () => Promise<unknown>]>): (why: string) => void {
  let stopping = false;
  return (why) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    setTimeout(() => process.exit(1), 4_500).unref();
    void (async () => {
      for (const [label, stage] of stages) {
        try {
          await stage();
        } catch (error) {
          logger.error({ err: errorMessage(error) }, `error while closing ${label}`);
        }
      }
      process.exit(0);
    })();
  };
}

/**
 * stdout carries only JSON-RPC: the transport gets a private handle on it, and everything else that
 * writes to stdout (a plugin's console.log, a stray process.stdout.write) goes to stderr.
 */
function reserveStdoutForProtocol(): Writable {
  const write = process.stdout.write.bind(process.stdout);
  const protocolOut = new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(chunk, done);
    },
  });
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  /* eslint-disable no-console -- the one place that touches console: its stdout methods go to stderr. */
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  /* eslint-enable no-console */
  return protocolOut;
}
