import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createStepGate } from './approval/step-gate.js';
import type { ApprovalSettings } from './approval/policy.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { Engine } from './engine/engine.js';
import { Budgets } from './engine/governance/budgets.js';
import { ownerId } from './engine/run/recovery.js';
import { Slots } from './engine/run/slots.js';
import { Writer } from './engine/run/writer.js';
import { createActionRunner } from './plugins/action-runner.js';
import type { ActionPlugin } from './plugins/api.js';
import { builtinPlugins } from './plugins/builtins.js';
import { PluginRegistry, type PluginSource } from './plugins/registry.js';
import { validatePlugin } from './plugins/validate.js';
import { registryOptionsOf } from './registry-options.js';
import { createMasker } from './secrets.js';
import { SqliteBudgetLedger } from './store/budget-ledger.js';
import { SqliteEpisodeMemory } from './store/episode-memory.js';
import { openDatabase } from './store/open.js';
import { SqliteTaskStore } from './store/task-store.js';

export interface AppOptions {
  logger: Logger;
  clock?: Clock;
  /**
   * Plugins after the built-in ones: objects, sources from `loadPluginDirs` (run in this process),
   * or sources from `hostPluginDirs` (see openApp) (each run in a plugin host, which the app stops when it closes).
   */
  plugins?: ReadonlyArray<ActionPlugin<unknown> | PluginSource>;
  /** Default working directory of tasks. */
  workdir?: string;
}

export interface App {
  engine: Engine;
  clock: Clock;
  approval: ApprovalSettings;
  /** Ordered shutdown (see Engine.close), then the database. */
  close(options?: { drainMs?: number; settleMs?: number }): Promise<void>;
}

/** Wires store → plugins → engine for one process. */
export function createApp(config: Readonly<Config>, options: AppOptions): App {
  const clock = options.clock ?? systemClock;
  const sources = [
    // Built-ins pass the same checks as third-party plugins.
    ...builtinPlugins().map((plugin) => ({ plugin: validatePlugin(plugin, `built-in ${plugin.name}`), file: 'built-in' })),
    ...(options.plugins ?? []).map((p) => ('plugin' in p ? p : { plugin: p, file: 'in-process' })),
  ];
  const registry = new PluginRegistry(sources, registryOptionsOf(config));
  // Opened once every plugin and option has passed its checks, so a refused start leaves nothing open.
  const db = openDatabase(config.db);
  const store = new SqliteTaskStore(db);
  const approval: ApprovalSettings = { policy: config.approvalPolicy, planTimeoutMs: config.planApprovalTimeoutMs };
  const engine = new Engine({
    store,
    writer: new Writer(store, clock, options.logger),
    catalogue: registry,
    actions: createActionRunner(registry, { ...config.exec, serverEnv: config.environment }),
    gate: createStepGate(approval.policy),
    clock,
    logger: options.logger,
    masker: createMasker(config.secretValues),
    slots: new Slots(config.maxConcurrentSteps),
    budgets: new Budgets({ ledger: new SqliteBudgetLedger(db), settings: config.budgets, clock, store, logger: options.logger }),
    ...(config.memory.enabled ? { memory: new SqliteEpisodeMemory(db, { maxEpisodes: config.memory.maxEpisodes }) } : {}),
    settings: {
      maxParallel: config.maxParallel,
      stepTimeoutMs: config.stepTimeoutMs,
      autoApproveTiers: config.autoApproveTiers,
      confirmationTimeoutsMs: config.confirmationTimeoutsMs,
      hostReplanTimeoutMs: config.hostReplanTimeoutMs,
      interruptedDecisionTimeoutMs: config.interruptedDecisionTimeoutMs,
      clientWaitTimeoutMs: config.clientWaitTimeoutMs,
      samplingMaxTokens: config.samplingMaxTokens,
      ...(config.exec.allowlist ? { allowlist: config.exec.allowlist } : {}),
      ...(config.exec.allowedPaths ? { allowedPaths: config.exec.allowedPaths } : {}),
      workdir: options.workdir ?? process.cwd(),
      ownerId: ownerId(randomUUID().slice(0, 8)),
    },
  });
  // Tasks a stopped process left unfinished resume in the background, while the transport starts.
  engine.start().then(
    (resumed) => {
      if (resumed.length > 0) options.logger.warn({ tasks: resumed }, 'resumed tasks left unfinished by an earlier stop');
    },
    (error: unknown) => options.logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'resume failed'),
  );
  return {
    engine,
    clock,
    approval,
    async close(closeOptions) {
      try {
        await engine.close(closeOptions);
      } finally {
        try {
          await Promise.all(registry.remotes().map((remote) => remote.close()));
        } finally {
          await store.close();
        }
      }
    },
  };
}
