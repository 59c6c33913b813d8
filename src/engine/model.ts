/**
 * The task and step model: phases, step states, tiers and the transition tables that are the only
 * way either of them changes.
 */

export const TIERS = ['read', 'write', 'execute', 'destructive', 'external'] as const;
export type Tier = (typeof TIERS)[number];

/** Only destructive and external steps ask a human before they run. */
export function tierNeedsConfirmation(tier: Tier): boolean {
  return tier === 'destructive' || tier === 'external';
}

/** How long a per-step confirmation may wait, by tier (seconds). */
export const DEFAULT_CONFIRMATION_TIMEOUTS: Readonly<Record<Tier, number>> = {
  read: 30,
  write: 60,
  execute: 120,
  destructive: 300,
  external: 300,
};

export const PHASES = [
  'planning',
  'awaiting_approval',
  'executing',
  'awaiting_replan',
  'reconciling',
  'completed',
  'failed',
  'cancelled',
] as const;
export type Phase = (typeof PHASES)[number];

export const TERMINAL_PHASES: ReadonlySet<Phase> = new Set<Phase>(['completed', 'failed', 'cancelled']);

const PHASE_TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  planning: ['awaiting_approval', 'failed', 'cancelled'],
  awaiting_approval: ['executing', 'cancelled', 'failed'],
  executing: ['reconciling', 'awaiting_replan', 'failed', 'cancelled'],
  awaiting_replan: ['executing', 'reconciling', 'failed', 'cancelled'],
  reconciling: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isTerminalPhase(phase: Phase): boolean {
  return TERMINAL_PHASES.has(phase);
}

export function canTransitionPhase(from: Phase, to: Phase): boolean {
  return PHASE_TRANSITIONS[from].includes(to);
}

export const STEP_STATES = ['pending', 'running', 'awaiting_confirmation', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type StepStateName = (typeof STEP_STATES)[number];

const STEP_TRANSITIONS: Readonly<Record<StepStateName, readonly StepStateName[]>> = {
  pending: ['running', 'awaiting_confirmation', 'skipped', 'cancelled', 'failed'],
  running: ['awaiting_confirmation', 'completed', 'failed', 'cancelled', 'skipped'],
  // Confirmed: back to pending until a slot to run it is free.
  awaiting_confirmation: ['pending', 'running', 'cancelled', 'failed', 'skipped'],
  completed: [],
  failed: [],
  skipped: [],
  cancelled: [],
};

export function isTerminalStepState(state: StepStateName): boolean {
  return STEP_TRANSITIONS[state].length === 0;
}

export function canTransitionStep(from: StepStateName, to: StepStateName): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

/** A step of a plan, as stored and shown. `dependsOn` holds ids of steps that must complete first. */
export interface Step {
  id: string;
  action: string;
  description: string;
  dependsOn: string[];
  tier: Tier;
  input: Record<string, unknown>;
  estimatedTokens: number;
  /** The command lines the step runs, as its action listed them at plan time (shown in the plan). */
  commands?: string[];
  /** Why the step's commands raised its tier above its action's own, when they did. */
  tierReasons?: string[];
}

/** What a finished step produced. */
export interface StepOutputs {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  artifacts: string[];
  data: unknown;
  /** The action cut its output (the text says where). */
  truncated?: boolean;
}

/** The run-time record of one step. */
export interface StepRun {
  state: StepStateName;
  startedAt?: string;
  finishedAt?: string;
  summary?: string;
  error?: string;
  /** Why a step was skipped or cancelled. */
  reason?: string;
  /** The confirmation nonce while a destructive/external step waits for a human. */
  nonce?: string;
  /**
   * While awaiting confirmation: asked of the human through a form (elicitation), so the approve
   * tool may not confirm it, or waiting for the approve tool. Kept in memory only, like the wait.
   */
  confirmVia?: 'form' | 'tool';
  outputs?: StepOutputs;
}

export interface TaskContext {
  facts?: string[];
  /** Where the steps run; set for every task planned since the workdir became part of the plan. */
  workdir?: string;
  /** The client's workspace roots when the plan was made; commands may run inside them. */
  roots?: string[];
}

/** Where a task's plan came from: the client's LLM by sampling, or the calling model itself. */
export type PlanOrigin = 'sampling' | 'host';

export interface Task {
  id: string;
  request: string;
  phase: Phase;
  planHash: string;
  createdAt: string;
  completedAt?: string;
  replanAttempts: number;
  origin: PlanOrigin;
  context: TaskContext;
  /** Steps in insertion order (original plan first, then replanned steps). */
  steps: Step[];
  runs: Map<string, StepRun>;
  /** Set while the task waits for a host-written corrective plan. */
  replanRequest?: ReplanRequest;
  /** Bumped on every observable change; long-polling `status` waits on it. */
  version: number;
}

export interface ReplanRequest {
  failedStepId: string;
  failedStep: string;
  error: string;
  deadline: string;
  prompt: string;
}

export interface TaskCounts {
  pending: number;
  running: number;
  awaiting: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  total: number;
}

export function countSteps(task: Pick<Task, 'runs'>): TaskCounts {
  const counts: TaskCounts = {
    pending: 0,
    running: 0,
    awaiting: 0,
    completed: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    total: 0,
  };
  for (const run of task.runs.values()) {
    counts.total += 1;
    if (run.state === 'awaiting_confirmation') counts.awaiting += 1;
    else counts[run.state] += 1;
  }
  return counts;
}

export function isComplete(task: Pick<Task, 'runs'>): boolean {
  for (const run of task.runs.values()) if (!isTerminalStepState(run.state)) return false;
  return true;
}

export function allSucceeded(task: Pick<Task, 'runs'>): boolean {
  for (const run of task.runs.values()) if (run.state !== 'completed') return false;
  return true;
}

/** The maximum number of corrective replans per task. */
export const MAX_REPLAN_ATTEMPTS = 2;
