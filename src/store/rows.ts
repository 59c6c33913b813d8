import type { Phase, PlanOrigin, Step, StepRun, StepStateName, Task, Tier } from '../engine/model.js';

export interface TaskRow {
  id: string;
  request: string;
  phase: Phase;
  plan_hash: string;
  origin: PlanOrigin;
  context: string;
  created_at: string;
  completed_at: string | null;
  replan_attempts: number;
  replan_request: string | null;
}

export interface StepRow {
  id: string;
  action: string;
  description: string;
  depends_on: string;
  tier: Tier;
  input: string;
  estimated_tokens: number;
  commands: string | null;
  tier_reasons: string | null;
  step_extra: string | null;
  state: StepStateName;
  started_at: string | null;
  finished_at: string | null;
  summary: string | null;
  error: string | null;
  reason: string | null;
  nonce: string | null;
  outputs: string | null;
  run_extra: string | null;
}

/** Run fields without a column of their own, kept as JSON in `run_extra`. */
const EXTRA_FIELDS = ['confirmVia', 'attempt', 'attempts', 'retryAt', 'processes', 'decision', 'waitingFor'] as const;

/** The parameters of a step's run record for the update statement. */
export function stepParams(taskId: string, stepId: string, run: StepRun): Record<string, unknown> {
  let extra: Record<string, unknown> | undefined;
  for (const key of EXTRA_FIELDS) if (run[key] !== undefined) (extra ??= {})[key] = run[key];
  return {
    taskId,
    id: stepId,
    state: run.state,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    summary: run.summary ?? null,
    error: run.error ?? null,
    reason: run.reason ?? null,
    nonce: run.nonce ?? null,
    outputs: run.outputs ? JSON.stringify(run.outputs) : null,
    extra: extra ? JSON.stringify(extra) : null,
  };
}

export function fromStepRow(row: StepRow): { step: Step; run: StepRun } {
  const run: StepRun = { state: row.state };
  if (row.started_at !== null) run.startedAt = row.started_at;
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  if (row.summary !== null) run.summary = row.summary;
  if (row.error !== null) run.error = row.error;
  if (row.reason !== null) run.reason = row.reason;
  if (row.nonce !== null) run.nonce = row.nonce;
  if (row.outputs !== null) run.outputs = JSON.parse(row.outputs) as StepRun['outputs'];
  if (row.run_extra !== null) Object.assign(run, JSON.parse(row.run_extra) as Partial<StepRun>);
  return {
    step: {
      id: row.id,
      action: row.action,
      description: row.description,
      dependsOn: JSON.parse(row.depends_on) as string[],
      tier: row.tier,
      input: JSON.parse(row.input) as Record<string, unknown>,
      estimatedTokens: row.estimated_tokens,
      ...(row.commands !== null ? { commands: JSON.parse(row.commands) as string[] } : {}),
      ...(row.tier_reasons !== null ? { tierReasons: JSON.parse(row.tier_reasons) as string[] } : {}),
      ...(row.step_extra !== null ? (JSON.parse(row.step_extra) as Pick<Step, 'effects' | 'retry'>) : {}),
    },
    run,
  };
}

export function fromTaskRow(row: TaskRow, steps: Array<{ step: Step; run: StepRun }>): Task {
  return {
    id: row.id,
    request: row.request,
    phase: row.phase,
    planHash: row.plan_hash,
    createdAt: row.created_at,
    ...(row.completed_at !== null ? { completedAt: row.completed_at } : {}),
    replanAttempts: row.replan_attempts,
    ...(row.replan_request !== null ? { replanRequest: JSON.parse(row.replan_request) as Task['replanRequest'] } : {}),
    origin: row.origin,
    context: JSON.parse(row.context) as Task['context'],
    steps: steps.map((s) => s.step),
    runs: new Map(steps.map((s) => [s.step.id, s.run])),
    version: 0,
  };
}
