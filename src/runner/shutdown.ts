import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { releaseLock, unlinkQuietly } from './lock.js';
import type { RunnerPaths } from './paths.js';

/** The engine's own close takes up to ~3.5 s (drain, then settle); past this the runner exits anyway. */
const HARD_STOP_MS = 8_000;

/**
 * The runner's ordered exit: each stage in turn even when one fails, then the socket and the lock
 * go, last, so no bridge starts a second runner while this one still holds the database.
 */
export function orderedRunnerShutdown(
  logger: Logger,
  paths: RunnerPaths,
  stages: ReadonlyArray<readonly [string, () => Promise<unknown>]>,
): (why: string) => void {
  let stopping = false;
  const removeFiles = (): void => {
    unlinkQuietly(paths.socket);
    releaseLock(paths.lock);
  };
  return (why) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'runner shutting down');
    setTimeout(() => {
      logger.error('runner shutdown took too long; exiting');
      removeFiles();
      process.exit(1);
    }, HARD_STOP_MS).unref();
    void (async () => {
      for (const [label, stage] of stages) {
        try {
          await stage();
        } catch (error) {
          logger.error({ err: errorMessage(error) }, `error while closing ${label}`);
        }
      }
      removeFiles();
      logger.info('runner stopped');
      process.exit(0);
    })();
  };
}
