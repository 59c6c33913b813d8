import type { TaskGraph } from './graph.js';
import { countSteps, DEFAULT_CONFIRMATION_TIMEOUTS, type Step, type Tier, type StepRun, type Task, type TaskCounts } from './model.js';
import { summarizeTask } from './summarize.js';
import { formatDuration } from './text.js';

/** How much stdout a status view carries per step; the full text is in the task resource. */
export const VIEW_STDOUT_CAP = 4_096;

export interface StepView {
  id: string;
  action: string;
  description: string;
  dependsOn: string[];
  tier: Step['tier'];
  state: StepRun['state'];
  input: Record<string, unknown>;
  startedAt?: string;
  finishedAt?: string;
  summary?: string;
  error?: string;
  reason?: string;
  outputs?: { stdout: string; stderr: string; exitCode: number | null; data: unknown; artifacts: string[]; truncated: boolean };
}

export type AwaitingView =
  | { kind: 'plan_approval'; planHash: string; hint: string }
  | { kind: 'step_confirmation'; stepId: string; description: string; tier: Step['tier']; via: 'form' | 'tool'; hint: string }
  | { kind: 'replan'; failedStepId: string; failedStep: string; error: string; deadline: string; prompt: string; hint: string };

export interface TaskView {
  id: string;
  request: string;
  phase: Task['phase'];
  planHash: string;
  origin: Task['origin'];
  createdAt: string;
  completedAt?: string;
  replanAttempts: number;
  counts: TaskCounts;
  steps: StepView[];
  stepsTotal: number;
  stepsOffset: number;
  summaryText: string;
  /** Changes whenever the task does; pass it back as `sinceVersion` to wait for the next change. */
  version: number;
  awaiting?: AwaitingView[];
}

export interface ViewOptions {
  stepOffset?: number;
  stepLimit?: number;
  /** Full outputs, uncapped (the task resource). */
  full?: boolean;
  /** The configured per-tier confirmation timeouts, for the hints. */
  confirmationTimeoutsMs?: Readonly<Record<Tier, number>>;
}

/** The TaskView of product.md §3.2: steps in topological order, outputs capped unless `full`. */
export function toTaskView(task: Task, graph: TaskGraph, options: ViewOptions = {}): TaskView {
  const order = graph.topologicalOrder();
  const offset = Math.max(0, options.stepOffset ?? 0);
  const limit = options.stepLimit ?? order.length;
  const steps = order.slice(offset, offset + limit).map((id) => stepView(graph.step(id), task.runs.get(id), options.full ?? false));
  const awaiting = awaitingOf(task, graph, options.confirmationTimeoutsMs);
  return {
    id: task.id,
    request: task.request,
    phase: task.phase,
    planHash: task.planHash,
    origin: task.origin,
    createdAt: task.createdAt,
    ...(task.completedAt ? { completedAt: task.completedAt } : {}),
    replanAttempts: task.replanAttempts,
    counts: countSteps(task),
    steps,
    stepsTotal: order.length,
    stepsOffset: offset,
    summaryText: summarizeTask(task, graph),
    version: task.version,
    ...(awaiting.length > 0 ? { awaiting } : {}),
  };
}

function stepView(step: Step, run: StepRun | undefined, full: boolean): StepView {
  const view: StepView = {
    id: step.id,
    action: step.action,
    description: step.description,
    dependsOn: step.dependsOn,
    tier: step.tier,
    state: run?.state ?? 'pending',
    input: step.input,
  };
  if (run?.startedAt) view.startedAt = run.startedAt;
  if (run?.finishedAt) view.finishedAt = run.finishedAt;
  if (run?.summary !== undefined) view.summary = run.summary;
  if (run?.error !== undefined) view.error = run.error;
  if (run?.reason !== undefined) view.reason = run.reason;
  if (run?.outputs) {
    const stdout = full ? run.outputs.stdout : cap(run.outputs.stdout);
    const stderr = full ? run.outputs.stderr : cap(run.outputs.stderr);
    view.outputs = {
      stdout,
      stderr,
      exitCode: run.outputs.exitCode,
      data: run.outputs.data,
      artifacts: run.outputs.artifacts,
      truncated: run.outputs.truncated === true || stdout !== run.outputs.stdout || stderr !== run.outputs.stderr,
    };
  }
  return view;
}

function cap(text: string): string {
  if (text.length <= VIEW_STDOUT_CAP) return text;
  return `${text.slice(0, VIEW_STDOUT_CAP)}\n…[truncated: ${text.length} chars in all; read the task resource for the rest]`;
}

function awaitingOf(task: Task, graph: TaskGraph, timeoutsMs?: Readonly<Record<Tier, number>>): AwaitingView[] {
  const awaiting: AwaitingView[] = [];
  if (task.phase === 'awaiting_approval') {
    awaiting.push({
      kind: 'plan_approval',
      planHash: task.planHash,
      hint: `Show the plan to the user; on their approval call approve { taskId: "${task.id}", planHash: "${task.planHash}" }.`,
    });
  }
  for (const [stepId, run] of task.runs) {
    if (run.state !== 'awaiting_confirmation') continue;
    const step = graph.step(stepId);
    const within = formatDuration(timeoutsMs?.[step.tier] ?? DEFAULT_CONFIRMATION_TIMEOUTS[step.tier] * 1000);
    const via = run.confirmVia ?? 'tool';
    awaiting.push({
      kind: 'step_confirmation',
      stepId,
      description: step.description,
      tier: step.tier,
      via,
      hint:
        via === 'form'
          ? `The user is being asked through a form in their client (${within} from the start of the wait); ` +
            'approve cannot confirm this step. Tell the user to answer the form, then follow the task with status.'
          : `Ask the user; then call approve { taskId, stepId: "${stepId}", decision: "approve" | "reject" } ` +
            `within ${within} of it starting to wait.`,
    });
  }
  if (task.phase === 'awaiting_replan' && task.replanRequest) {
    awaiting.push({
      kind: 'replan',
      ...task.replanRequest,
      hint: `Write corrective steps following the prompt and call plan { taskId: "${task.id}", steps } before the deadline.`,
    });
  }
  return awaiting;
}
