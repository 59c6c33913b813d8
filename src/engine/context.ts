import type { Logger } from 'pino';
import type { ApprovalPolicy } from '../approval/policy.js';
import type { Clock } from '../clock.js';
import type { SandboxConfig } from '../plugins/sandbox.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Masker } from '../secrets.js';
import type { TaskStore } from '../store/task-store.js';
import type { StepOutputs, Tier } from './model.js';
import type { Recorder } from './recorder.js';
import type { Slots } from './slots.js';

export interface EngineSettings {
  /** Most steps of one wave running at once. */
  maxParallel: number;
  /** Most steps running at once over every task of this process. */
  maxConcurrentSteps: number;
  /** Default step timeout when a plugin sets none. */
  stepTimeoutMs: number;
  /** Tiers whose steps run without a per-step confirmation. */
  autoApproveTiers: readonly Tier[];
  confirmationTimeoutsMs: Readonly<Record<Tier, number>>;
  /** Who may approve plans and steps (`approval.policy`). */
  approvalPolicy: ApprovalPolicy;
  /** How long a plan-approval form waits for the human. */
  planApprovalTimeoutMs: number;
  /** How long a failed task waits for a host-written corrective plan. */
  hostReplanTimeoutMs: number;
  samplingMaxTokens: number;
  sandbox: SandboxConfig;
  /** Default working directory of tasks. */
  workdir: string;
  /** Identifies this process as the executor of the tasks it runs. */
  ownerId: string;
}

/** What the executor's functions share. */
export interface EngineContext {
  store: TaskStore;
  registry: PluginRegistry;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  /** Masks secret values in everything a step produced before it is stored or shown. */
  masker: Masker;
  /** Bounds the steps running at once over every task (`maxConcurrentSteps`). */
  slots: Slots;
  settings: EngineSettings;
}

/** A step whose action failed, as replan sees it. */
export interface StepFailure {
  stepId: string;
  description: string;
  error: string;
  /** What the failing step produced, when its action kept it (a failing test run's output). */
  outputs?: StepOutputs;
}
