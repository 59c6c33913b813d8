/**
 * The task and step model: tiers, phases, step states and the transition tables that are the only
 * way phases and states change. Shapes are zod schemas; the TypeScript types derive from them.
 */
import { z } from 'zod';

export const TIERS = ['read', 'write', 'execute', 'destructive', 'external'] as const;
export const TierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof TierSchema>;

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
export const PhaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

export const TERMINAL_PHASES = ['completed', 'failed', 'cancelled'] as const satisfies readonly Phase[];
/** Phases of a task that was approved and has not ended: some process must be running it. */
export const UNFINISHED_PHASES = ['executing', 'awaiting_replan', 'reconciling'] as const satisfies readonly Phase[];

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
  return (TERMINAL_PHASES as readonly Phase[]).includes(phase);
}

export function canTransitionPhase(from: Phase, to: Phase): boolean {
  return PHASE_TRANSITIONS[from].includes(to);
}

export const STEP_STATES = ['pending', 'running', 'awaiting_confirmation', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export const StepStateSchema = z.enum(STEP_STATES);
export type StepStateName = z.infer<typeof StepStateSchema>;

export const TERMINAL_STEP_STATES = ['completed', 'failed', 'skipped', 'cancelled'] as const satisfies readonly StepStateName[];

const STEP_TRANSITIONS: Readonly<Record<StepStateName, readonly StepStateName[]>> = {
  pending: ['running', 'awaiting_confirmation', 'skipped', 'cancelled', 'failed'],
  // Back to pending: an attempt failed and another is due, or its process stopped and it runs again.
  running: ['pending', 'awaiting_confirmation', 'completed', 'failed', 'cancelled', 'skipped'],
  // Confirmed: back to pending until a slot to run it is free. Completed: a human vouched that an
  // interrupted step's effect happened.
  awaiting_confirmation: ['pending', 'running', 'completed', 'cancelled', 'failed', 'skipped'],
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

/**
 * What repeating a step does: `none` (pure: text, LLM calls), `idempotent` (safe to repeat: reads,
 * builds, tests), `side-effecting` (may act twice). Decides whether an interrupted step re-runs.
 */
export const EFFECTS = ['none', 'idempotent', 'side-effecting'] as const;
export const EffectsSchema = z.enum(EFFECTS);
export type Effects = z.infer<typeof EffectsSchema>;

/** How a failed attempt is tried again: `attempts` in all, exponential backoff with jitter between them. */
export const RetryPolicySchema = z.object({
  attempts: z.int().min(1).max(20).describe('Attempts in all, the first included'),
  backoffSeconds: z.number().min(0).max(3_600).describe('Wait before the second attempt; doubles for each further one'),
  maxBackoffSeconds: z.number().min(0).max(86_400).describe('Longest wait between two attempts'),
  exitCodes: z
    .array(z.int())
    .min(1)
    .optional()
    .describe('Only these exit codes of a failed command are worth another attempt (any non-zero one when left out)'),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** A step of a plan, as stored and shown. `dependsOn` holds ids of steps that must complete first. */
export const StepSchema = z.object({
  id: z.string(),
  action: z.string(),
  description: z.string(),
  dependsOn: z.array(z.string()),
  tier: TierSchema,
  input: z.record(z.string(), z.unknown()),
  estimatedTokens: z.number(),
  /** The command lines the step runs, as its action listed them at plan time (shown in the plan). */
  commands: z.array(z.string()).optional(),
  /** Why the step's commands raised its tier above its action's own, when they did. */
  tierReasons: z.array(z.string()).optional(),
  /** What repeating it does, when the plan said (else its action's class). */
  effects: EffectsSchema.optional(),
  /** How it is tried again after a retryable failure, when the plan said (else its action's policy). */
  retry: RetryPolicySchema.optional(),
});
export type Step = z.infer<typeof StepSchema>;

/** What a finished step produced. */
export const StepOutputsSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().nullable(),
  artifacts: z.array(z.string()),
  data: z.unknown(),
  /** The action cut its output (the text says where). */
  truncated: z.boolean().optional(),
});
export type StepOutputs = z.infer<typeof StepOutputsSchema>;

/** The run-time record of one step. */
/** The answers to a step confirmation. */
export const CONFIRM_DECISIONS = ['approve', 'reject'] as const;
/** The answers to a step interrupted by a stop of the server: run it again, count it as done, fail it. */
export const INTERRUPTED_DECISIONS = ['retry', 'done', 'fail'] as const;

export const StepRunSchema = z.object({
  state: StepStateSchema,
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  summary: z.string().optional(),
  error: z.string().optional(),
  /** Why a step was skipped, cancelled or waits for a human ("interrupted"). */
  reason: z.string().optional(),
  /** The confirmation nonce while a step waits for a human. */
  nonce: z.string().optional(),
  /** While awaiting confirmation: asked through a form the human answers, or through the approve tool. */
  confirmVia: z.enum(['form', 'tool']).optional(),
  outputs: StepOutputsSchema.optional(),
  /** The attempt running now, or the last one (1, 2, …); counts across restarts. */
  attempt: z.int().min(1).optional(),
  /** How many attempts its retry policy allows in all. */
  attempts: z.int().min(1).optional(),
  /** While waiting between two attempts: when the next one starts. */
  retryAt: z.string().optional(),
  /** The process groups its commands started, with each leader's start time, to stop them after a crash. */
  processes: z.array(z.object({ pgid: z.int(), started: z.string() })).optional(),
  /** What a person decided about it after it was interrupted. */
  decision: z.enum(INTERRUPTED_DECISIONS).optional(),
  /** While it waits for a client to connect that can serve it (one that samples). */
  waitingFor: z.enum(['sampling']).optional(),
});
export type StepRun = z.infer<typeof StepRunSchema>;

/**
 * A step's next run record: `run` with `changes`, as a new object. Not `{ ...run, ...changes }`:
 * Node 20's V8 gives each object built by a literal that opens with a spread and then adds keys a
 * hidden class of its own, which is slow to build and makes every later read of a big task's
 * thousands of records slow too.
 */
export function nextRun(run: StepRun, changes: Partial<StepRun>): StepRun {
  return Object.assign({}, run, changes);
}

export const TaskContextSchema = z.object({
  facts: z.array(z.string()).optional(),
  /** Where the steps run; set for every task planned since the workdir became part of the plan. */
  workdir: z.string().optional(),
  /** The client's workspace roots when the plan was made; commands may run inside them. */
  roots: z.array(z.string()).optional(),
  /**
   * The planning client could sample: its research and review steps expect an LLM, and wait for a
   * client that samples when none is connected (after a restart, say) instead of running without.
   */
  clientSamples: z.boolean().optional(),
});
export type TaskContext = z.infer<typeof TaskContextSchema>;

/** Where a task's plan came from: the client's LLM by sampling, or the calling model itself. */
export const PLAN_ORIGINS = ['sampling', 'host'] as const;
export type PlanOrigin = (typeof PLAN_ORIGINS)[number];

/** What a task waiting for host-written corrective steps shows the calling model. */
export const ReplanRequestSchema = z.object({
  failedStepId: z.string(),
  failedStep: z.string(),
  error: z.string(),
  deadline: z.string(),
  prompt: z.string(),
});
export type ReplanRequest = z.infer<typeof ReplanRequestSchema>;

/** The task-level fields besides phase that change while a task runs. */
export interface TaskMeta {
  planHash: string;
  replanAttempts: number;
  replanRequest?: ReplanRequest;
}

/**
 * A task as held in memory. Only the writer (src/engine/run/writer.ts) changes `phase`,
 * `completedAt`, `runs`, `steps`, the meta fields and `version`.
 */
export interface Task extends TaskMeta {
  id: string;
  request: string;
  phase: Phase;
  createdAt: string;
  completedAt?: string;
  origin: PlanOrigin;
  context: TaskContext;
  /** Steps in insertion order (original plan first, then replanned steps). */
  steps: Step[];
  runs: Map<string, StepRun>;
  /** Bumped on every observable change; long-polling `status` waits on it. */
  version: number;
}

export const TaskCountsSchema = z.object({
  pending: z.number(),
  running: z.number(),
  awaiting: z.number(),
  completed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  cancelled: z.number(),
  total: z.number(),
});
export type TaskCounts = z.infer<typeof TaskCountsSchema>;

export function countSteps(task: Pick<Task, 'runs'>): TaskCounts {
  const counts: TaskCounts = { pending: 0, running: 0, awaiting: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0, total: 0 };
  for (const run of task.runs.values()) {
    counts.total += 1;
    if (run.state === 'awaiting_confirmation') counts.awaiting += 1;
    else counts[run.state] += 1;
  }
  return counts;
}

export function allSucceeded(task: Pick<Task, 'runs'>): boolean {
  for (const run of task.runs.values()) if (run.state !== 'completed') return false;
  return true;
}

/** The maximum number of corrective replans per task. */
export const MAX_REPLAN_ATTEMPTS = 2;

/** Who made a decision or caused an effect: a person (form, CLI, web view), the model through a tool, policy, or the server. */
export const ACTORS = ['human', 'model', 'policy', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

/**
 * The events the audit log records. A shipped name never changes meaning; new events get new names.
 * `note` is for entries no more specific event fits (older rows with an unrecognised decision).
 */
export const AUDIT_KINDS = [
  'plan_created',
  'plan_approved',
  'plan_rejected',
  'comment',
  'step_confirmed',
  'step_refused',
  'step_attempt',
  'step_completed',
  'step_failed',
  'replanned',
  'cancelled',
  'budget_warning',
  'budget_exceeded',
  'resume_decision',
  'note',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
