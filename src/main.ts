import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApp } from './app.js';
import { isOrchestrateError } from './errors.js';
import { loadPluginDirs } from './plugins/loader.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServer } from './server.js';

/**
 * The process entry: the only module that reads argv, env, signals and stdio. Resolves to an exit
 * code when start-up fails; otherwise the process lives until stdin closes or a signal arrives.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const loaded = loadConfig(argv, env);
  if (!loaded.ok) {
    process.stderr.write(`orchestrate-mcp: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const config = loaded.config;
  if (config.transport === 'http') {
    process.stderr.write('orchestrate-mcp: --transport http is not available in this version; use stdio.\n');
    return 2;
  }
  const protocolOut = reserveStdoutForProtocol();

  const logger = createLogger(config.logLevel);
  let app;
  try {
    const plugins = await loadPluginDirs(config.pluginDirs);
    app = createApp(config, { logger, plugins });
  } catch (error) {
    if (isOrchestrateError(error)) {
      process.stderr.write(`orchestrate-mcp: ${error.code}: ${error.message}\nHint: ${error.hint}\n`);
      return 1;
    }
    logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'start-up failed');
    return 1;
  }
  const { mcp } = createServer({ engine: app.engine, logger, samplingTimeoutMs: config.samplingTimeoutMs });
  const transport = new StdioServerTransport(process.stdin, protocolOut);

  let stopping = false;
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 4_500);
    force.unref();
    try {
      await app.close();
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'error while closing');
    } finally {
      try {
        await mcp.close();
      } finally {
        process.exit(0);
      }
    }
  };
  // The SDK's stdio transport does not end on stdin EOF; an orphaned server would hold the database.
  process.stdin.once('end', () => void shutdown('stdin closed'));
  process.stdin.once('close', () => void shutdown('stdin closed'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await mcp.connect(transport);
  logger.info({ db: config.db, transport: 'stdio' }, 'orchestrate-mcp ready');
  return undefined;
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
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  return protocolOut;
}
