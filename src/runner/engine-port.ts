/**
 * What the runner needs from the engine, in one place: build it the way inline serving does, tell
 * which tasks it is still running, close it. The rest of src/runner/ sees only this.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { openApp } from '../app.js';
import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';

export interface RunnerEngine {
  engine: Engine;
  /** Ids of the tasks this process is executing, replanning or reconciling. */
  unfinished(): string[];
  /** Ordered: the engine (running steps settled), then the database. */
  close(): Promise<void>;
}

export async function openRunnerEngine(config: Readonly<Config>, logger: Logger): Promise<RunnerEngine> {
  const app = await openApp(config, { logger });
  // Tasks are owned by "host:pid:tag" (src/engine/recovery.ts); another process's tasks do not keep this one alive.
  const mine = `${hostname()}:${process.pid}:`;
  return {
    engine: app.engine,
    unfinished: () =>
      app.store
        .unfinished()
        .filter((row) => row.owner?.startsWith(mine))
        .map((row) => row.id),
    close: () => app.close(),
  };
}
