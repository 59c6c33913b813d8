import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Masker } from '../../secrets.js';
import type { ActionCatalogue } from '../catalogue.js';
import type { StepOutputs, Tier } from '../model.js';
import type { Budgets } from '../governance/budgets.js';
import type { EpisodeMemory } from '../governance/ports.js';
import type { ActionRunner, ApprovalGate, TaskStore } from '../ports.js';
import type { SessionRegistry } from '../routing/sessions.js';
import type { Slots } from './slots.js';
import type { Writer } from './writer.js';

export interface EngineSettings {
  /** Most steps of one wave running at once. */
  maxParallel: number;
  /** Default step timeout when a plugin sets none. */
  stepTimeoutMs: number;
  /** Tiers whose steps run without a per-step confirmation. */
  autoApproveTiers: readonly Tier[];
  confirmationTimeoutsMs: Readonly<Record<Tier, number>>;
  /** How long a failed task waits for a host-written corrective plan. */
  hostReplanTimeoutMs: number;
  /** How long a step interrupted by a stop waits for a person to say retry, done or fail. */
  interruptedDecisionTimeoutMs: number;
  /** How long work that needs a client that samples waits for one to connect. */
  clientWaitTimeoutMs: number;
  samplingMaxTokens: number;
  /** Binaries argv commands may run (shown to planners); undefined when any may. */
  allowlist?: readonly string[];
  /** Folders commands may run in (`exec.allowedPaths`); undefined allows any. */
  allowedPaths?: readonly string[];
  /** Default working directory of tasks. */
  workdir: string;
  /** Identifies this process as the executor of the tasks it runs. */
  ownerId: string;
}

/** What the engine's parts share: its ports and its settings. */
export interface RunDeps {
  store: TaskStore;
  writer: Writer;
  catalogue: ActionCatalogue;
  actions: ActionRunner;
  gate: ApprovalGate;
  sessions: SessionRegistry;
  clock: Clock;
  logger: Logger;
  /** Masks secret values in everything a step produced before it is stored or shown. */
  masker: Masker;
  /** Bounds the steps running at once over every task (`maxConcurrentSteps`). */
  slots: Slots;
  settings: EngineSettings;
  /** Per-task and per-day budgets (config `budgets`). */
  budgets: Budgets;
  /** Past tasks for the planning prompts; absent when memory is off. */
  memory?: EpisodeMemory;
}

/** A step whose action failed, as replan sees it. */
export interface StepFailure {
  stepId: string;
  description: string;
  error: string;
  /** What the failing step produced, when its action kept it (a failing test run's output). */
  outputs?: StepOutputs;
}
