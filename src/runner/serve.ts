/**
 * The background runner: one process per database file, started detached by the first bridge that
 * needs it. It holds the database's lock for its whole life, serves every bridge's MCP session over
 * one engine, and exits in order when told to stop or when idle (no client, no unfinished task).
 */
import { closeSync, writeSync } from 'node:fs';
import { errorMessage, isOrchestrateError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createMasker } from '../secrets.js';
import { claimDatabase } from './claim.js';
import { openRunnerEngine, type RunnerEngine } from './engine-port.js';
import { releaseLock } from './lock.js';
import { startServing } from './serving.js';

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
  const outcome = await claimDatabase(argv, env);
  if ('served' in outcome) {
    ready({ ok: true, existing: true });
    return 0;
  }
  if ('exitCode' in outcome) return fail(outcome.exitCode, outcome.message);
  const { claim } = outcome;
  const logger = createLogger(claim.config.logLevel, createMasker(claim.config.secretValues));
  let runner: RunnerEngine | undefined;
  try {
    runner = await openRunnerEngine(claim.config, logger);
    await startServing(claim, runner, logger);
  } catch (error) {
    await runner?.close().catch(() => {});
    releaseLock(claim.paths.lock);
    if (isOrchestrateError(error)) return fail(1, `orchestrate-mcp: ${error.code}: ${error.message}\nHint: ${error.hint}\n`);
    logger.fatal({ err: errorMessage(error) }, 'runner start-up failed');
    return fail(1, `orchestrate-mcp: the runner could not start: ${errorMessage(error)}\n`);
  }
  ready({ ok: true });
  return undefined;
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
