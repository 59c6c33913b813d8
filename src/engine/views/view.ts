import { clipText, jsonLength } from './clip.js';
import type { TaskGraph } from '../graph.js';
import { countSteps, DEFAULT_CONFIRMATION_TIMEOUTS, INTERRUPTED_DECISIONS, type Tier, type Task } from '../model.js';
import type { AwaitingView, StepView, TaskView } from './schemas.js';
import { stepView } from './step-view.js';
import { summarizeTask } from './summarize.js';
import { formatDuration } from './text.js';

export { VIEW_STDOUT_CAP } from './step-view.js';
export type { StepView } from './schemas.js';

/**
 * What a capped view may take, in characters: its JSON, plus the summary and hints a tool prints
 * beside it. Steps fill what the rest leaves; a page stops early when they are heavy.
 */
export const VIEW_BUDGET = 64_000;
/** The request as the view shows it, and as the summary quotes it. */
const REQUEST_CAP = 2_000;
const SUMMARY_REQUEST_CAP = 300;
/** Caps of what `awaiting` repeats; the prompt is needed whole only by a host that replans, from the resource. */
const AWAITING_CAPS = { description: 300, failedStep: 1_000, error: 2_000, prompt: 12_000, confirmations: 20 } as const;
/** Room kept for the paging and waiting lines a tool adds to its text. */
const TEXT_ALLOWANCE = 1_000;

export type { AwaitingView, TaskView } from './schemas.js';

export interface ViewOptions {
  stepOffset?: number;
  stepLimit?: number;
  /** Everything, uncapped (the task resource). */
  full?: boolean;
  /** The configured per-tier confirmation timeouts, for the hints. */
  confirmationTimeoutsMs?: Readonly<Record<Tier, number>>;
}

const SHORT_MARKER = (length: number): string => ` …[${length} chars; see the task resource]`;

/**
 * The TaskView of product.md §3.2: steps in topological order. Unless `full`, every field is
 * capped and the page holds as many steps as fit in {@link VIEW_BUDGET}.
 */
export function toTaskView(task: Task, graph: TaskGraph, options: ViewOptions = {}): TaskView {
  const full = options.full ?? false;
  const order = graph.topologicalOrder();
  const offset = Math.max(0, options.stepOffset ?? 0);
  const page = order.slice(offset, offset + (options.stepLimit ?? order.length));
  const awaiting = awaitingOf(task, graph, options.confirmationTimeoutsMs, full);
  const clip = (text: string, max: number): string => (full ? text : clipText(text, max, SHORT_MARKER));
  const view: TaskView = {
    id: task.id,
    request: clip(task.request, REQUEST_CAP),
    phase: task.phase,
    planHash: task.planHash,
    origin: task.origin,
    createdAt: task.createdAt,
    ...(task.completedAt ? { completedAt: task.completedAt } : {}),
    replanAttempts: task.replanAttempts,
    counts: countSteps(task),
    steps: [],
    stepsTotal: order.length,
    stepsOffset: offset,
    summaryText: summarizeTask(full ? task : { ...task, request: clip(task.request, SUMMARY_REQUEST_CAP) }, graph),
    version: task.version,
    ...(awaiting.length > 0 ? { awaiting } : {}),
  };
  const budget = full ? Number.POSITIVE_INFINITY : VIEW_BUDGET - fixedCost(view);
  view.steps = fill(page, budget, (id) => stepView(graph.step(id), task.runs.get(id), full));
  if (offset + view.steps.length < order.length) view.nextStepOffset = offset + view.steps.length;
  return view;
}

/** The view without steps, and the text a tool shows beside it (the summary, the hints). */
function fixedCost(view: TaskView): number {
  const hints = (view.awaiting ?? []).reduce((sum, a) => sum + a.hint.length, 0);
  return jsonLength(view) + view.summaryText.length + hints + TEXT_ALLOWANCE;
}

/** Steps in order while they fit; the first always goes in, so paging moves on. */
function fill(ids: string[], budget: number, view: (id: string) => StepView): StepView[] {
  const steps: StepView[] = [];
  let used = 0;
  for (const id of ids) {
    const step = view(id);
    const cost = budget === Number.POSITIVE_INFINITY ? 0 : jsonLength(step) + 1;
    if (steps.length > 0 && used + cost > budget) break;
    steps.push(step);
    used += cost;
  }
  return steps;
}

function awaitingOf(task: Task, graph: TaskGraph, timeoutsMs: Readonly<Record<Tier, number>> | undefined, full: boolean): AwaitingView[] {
  const clip = (text: string, max: number): string => (full ? text : clipText(text, max, SHORT_MARKER));
  let confirmations = 0;
  const awaiting: AwaitingView[] = [];
  if (task.phase === 'awaiting_approval') {
    awaiting.push({
      kind: 'plan_approval',
      planHash: task.planHash,
      hint: `Show the plan to the user; on their approval call approve { taskId: "${task.id}", planHash: "${task.planHash}" }.`,
    });
  }
  for (const [stepId, run] of task.runs) {
    if (run.state === 'running' && run.waitingFor === 'sampling') {
      awaiting.push({
        kind: 'client',
        stepId,
        description: clip(graph.step(stepId).description, AWAITING_CAPS.description),
        needs: 'sampling',
        hint: 'This step needs the LLM of an MCP client that supports sampling, and none is connected. It runs as soon as one connects.',
      });
      continue;
    }
    if (run.state !== 'awaiting_confirmation') continue;
    confirmations += 1;
    // Steps in state awaiting_confirmation list them all; counts.awaiting says how many.
    if (!full && confirmations > AWAITING_CAPS.confirmations) continue;
    const step = graph.step(stepId);
    if (run.reason === 'interrupted') {
      awaiting.push({
        kind: 'step_interrupted',
        stepId,
        description: clip(step.description, AWAITING_CAPS.description),
        tier: step.tier,
        choices: [...INTERRUPTED_DECISIONS],
        hint:
          'The server stopped while this step ran; it may have had its effect. Ask the user whether to run it again ' +
          `(retry), count it as done (done) or fail it (fail); then call approve { taskId, stepId: "${stepId}", decision }.`,
      });
      continue;
    }
    const within = formatDuration(timeoutsMs?.[step.tier] ?? DEFAULT_CONFIRMATION_TIMEOUTS[step.tier] * 1000);
    const via = run.confirmVia ?? 'tool';
    awaiting.push({
      kind: 'step_confirmation',
      stepId,
      description: clip(step.description, AWAITING_CAPS.description),
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
    const request = task.replanRequest;
    awaiting.push({
      kind: 'replan',
      ...request,
      failedStep: clip(request.failedStep, AWAITING_CAPS.failedStep),
      error: clip(request.error, AWAITING_CAPS.error),
      prompt: clip(request.prompt, AWAITING_CAPS.prompt),
      hint: `Write corrective steps following the prompt and call plan { taskId: "${task.id}", steps } before the deadline.`,
    });
  }
  return awaiting;
}
