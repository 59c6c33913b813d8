/**
 * The bin's first decision, made before anything heavy is imported: serve through the database's
 * background runner (bridge), serve in this process (inline: --inline, HTTP, :memory:, config
 * `runner: false`), run a subcommand, or be the runner itself. Only the bridge path stays on
 * Node built-ins; the others import src/main.ts (the MCP SDK, zod, pino, SQLite, the engine).
 */
import { wantsServer } from '../cli/wants-server.js';
import { errorMessage, isOrchestrateError, OrchestrateError } from '../errors.js';
import { packageVersion } from '../version.js';
import { pipeBridge } from './bridge.js';
import { prepareRuntimeDir, runnerPaths } from './paths.js';
import type { Preamble } from './protocol.js';
import { servePluginDirs, serveRoute } from './serve-flags.js';
import { connectOrStart, RunnerStartError } from './start.js';

export interface Launch {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The bin file, to start a runner with. */
  bin: string;
}

/** Resolves to an exit code, or undefined while the process should live on (serving). */
export async function launch({ argv, env, bin }: Launch): Promise<number | undefined> {
  if (argv[0] === 'runner' && argv[1] === 'serve') {
    const readyFd = argv[2] === '--ready-fd' ? Number(argv[3]) : undefined;
    const flags = argv.slice(readyFd === undefined ? 2 : 4);
    // The plugin hosts boot while the runner loads the engine, the store and the MCP SDK.
    await prestartPluginHosts(servePluginDirs(flags, env));
    const { serveRunner } = await import('./serve.js');
    return serveRunner(flags, env, readyFd);
  }
  const serving = wantsServer(argv);
  const version = packageVersion();
  const route = serving ? serveRoute(argv, env, version) : undefined;
  if (route?.kind !== 'runner') {
    if (serving) await prestartPluginHosts(servePluginDirs(argv, env));
    return inline(argv, env);
  }
  const { kind: _kind, db, ...identity } = route;
  return bridge(db, { orchestrate: 'bridge', ...identity, version }, { argv, env, bin });
}

/** Starts the plugin hosts early (see src/plugins/host/prestart.ts); what it needs loads only when there are plugin folders. */
async function prestartPluginHosts(dirs: readonly string[]): Promise<void> {
  if (dirs.length === 0) return;
  const prestart = await import('../plugins/host/prestart.js');
  prestart.prestartPluginHosts(dirs);
}

async function inline(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const { main } = await import('../main.js');
  return main(argv, env);
}

async function bridge(db: string, hello: Preamble, { argv, env, bin }: Launch): Promise<number> {
  const paths = runnerPaths(db, env);
  let socket;
  try {
    prepareRuntimeDir(paths);
    socket = await connectOrStart({ paths, bin, argv, env, cwd: process.cwd(), hello });
  } catch (error) {
    if (error instanceof RunnerStartError) {
      process.stderr.write(error.failure.message.endsWith('\n') ? error.failure.message : `${error.failure.message}\n`);
      return error.failure.exitCode;
    }
    const coded = isOrchestrateError(error)
      ? error
      : new OrchestrateError('RUNNER_UNAVAILABLE', `The runner of ${db} could not be reached or started: ${errorMessage(error)}`, {
          cause: error,
        });
    process.stderr.write(`orchestrate-mcp: ${coded.code}: ${coded.message}\nHint: ${coded.hint}\n`);
    return 1;
  }
  return pipeBridge(socket, { stdin: process.stdin, stdout: process.stdout, stderr: (text) => process.stderr.write(text) });
}
