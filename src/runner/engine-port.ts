/**
 * What the runner needs from the engine, in one place: build it the way inline serving does, tell
 * which tasks it is still running, close it. The rest of src/runner/ sees only this.
 */
import type { Logger } from 'pino';
import { openApp } from '../open-app.js';
import type { ApprovalSettings } from '../approval/policy.js';
import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';

export interface RunnerEngine {
  engine: Engine;
  approval: ApprovalSettings;
  /** Ids of the tasks this process is executing, replanning or reconciling. */
  unfinished(): string[];
  /** Ordered: the engine (running steps settled), then the database. */
  close(): Promise<void>;
}

export async function openRunnerEngine(config: Readonly<Config>, logger: Logger): Promise<RunnerEngine> {
  const app = await openApp(config, { logger });
  return {
    engine: app.engine,
    approval: app.approval,
    // Only the tasks this process runs keep it alive; another process's tasks do not.
    unfinished: () => app.engine.running(),
    close: () => app.close(),
  };
}
