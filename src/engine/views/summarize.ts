/**
 * The texts a human reads: the plan shown for approval and the summary of a task in any phase.
 */
import type { TaskGraph } from '../graph.js';
import { countSteps, isTerminalStepState, type Step, type StepRun, type Task, type TaskCounts, type Tier } from '../model.js';
import { ReportLines } from './report-lines.js';
import { failureTail } from './text.js';

/** The deliverable is echoed in tool results; past this it belongs in `status`, not the summary. */
const RESULT_CAP = 4_000;
const TRUNCATED = '\n…[truncated]';

const TIER_MARKERS: Readonly<Record<Tier, string>> = {
  read: '',
  write: '',
  execute: '',
  destructive: 'destructive — extra confirmation',
  external: 'external call — extra confirmation',
};

export function formatPlanForApproval(task: Task, graph: TaskGraph): string {
  const where = task.context.workdir ? [`Working directory: ${task.context.workdir}`] : [];
  const lines = [`Task plan for: "${task.request}"`, ...where, `${stepCount(graph.size)}:`, ''];
  graph.topologicalOrder().forEach((id, index) => {
    const step = graph.step(id);
    const positions = graph
      .dependencies(id)
      .map((dependency) => graph.rank(dependency) + 1)
      .sort((a, b) => a - b);
    const after = positions.length === 0 ? '' : ` (after ${positions.map((p) => `#${p}`).join(', ')})`;
    lines.push(`  ${index + 1}. ${step.description}${tierMarker(step)}${after}`);
    // The human approves what will run, not only how the planner described it.
    for (const command of step.commands ?? []) lines.push(`     ${step.action}: ${clip(command.trim())}`);
  });
  lines.push(
    '',
    'Approve with the `approve` tool to run it, or `reject` to discard it ' +
      `(pass taskId when several plans are pending). Task id: ${task.id}`,
  );
  return lines.join('\n');
}

/** The tier's marker, and why the commands raised it when they decided it ("raised: rm -r deletes recursively"). */
function tierMarker(step: Step): string {
  const reasons = step.tierReasons ?? [];
  const raised = reasons.length > 0 ? `raised: ${reasons.join('; ')}` : '';
  // What the plan says about repeating the step, since it decides what runs again by itself after a crash.
  const repeat = [
    step.effects === 'none' || step.effects === 'idempotent' ? `${step.effects}: re-runs by itself after a crash` : '',
    step.retry && step.retry.attempts > 1 ? `up to ${step.retry.attempts} attempts` : '',
  ];
  const parts = [TIER_MARKERS[step.tier], raised, ...repeat].filter((part) => part !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

function progressLine(prefix: string, task: Task, counts: TaskCounts): string {
  const parts = (
    [
      [counts.completed, 'done'],
      [counts.running, 'running'],
      [counts.awaiting, 'awaiting approval'],
      [counts.failed, 'failed'],
      [counts.skipped, 'skipped'],
      [counts.cancelled, 'cancelled'],
    ] as const
  )
    .filter(([count]) => count > 0)
    .map(([count, label]) => `${count} ${label}`);
  // Nothing started yet would leave an empty gap; "0 done" reads better.
  const progress = parts.length === 0 ? '0 done' : parts.join(', ');
  const notes = attemptNotes(task);
  return `${prefix}"${task.request}" — ${progress} (of ${counts.total} steps)${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
}

/** What the progress line adds about retries and interruptions: "s2 attempt 2/3", "s4 interrupted: retry, done or fail?". */
function attemptNotes(task: Task): string[] {
  const notes: string[] = [];
  for (const [stepId, run] of task.runs) {
    const of = run.attempts ?? 1;
    if (run.state === 'running' && of > 1) notes.push(`${stepId} attempt ${run.attempt ?? 1}/${of}`);
    else if (run.state === 'pending' && run.retryAt)
      notes.push(`${stepId} attempt ${run.attempt ?? 1}/${of} failed, next at ${run.retryAt}`);
    else if (run.state === 'awaiting_confirmation' && run.reason === 'interrupted')
      notes.push(`${stepId} interrupted: retry, done or fail?`);
    else if (run.state === 'running' && run.waitingFor === 'sampling') notes.push(`${stepId} waits for a client that samples`);
  }
  return notes.slice(0, 10);
}

function stepLine(position: number, step: Step, run: StepRun | undefined): string | undefined {
  const n = `  ${position}.`;
  switch (run?.state) {
    case 'completed': {
      const summary = run.summary?.trim() ? run.summary : '(no output)';
      return `${n} ✓ ${step.description} — ${summary}`;
    }
    case 'failed': {
      const error = run.error ?? '(no error message)';
      return `${n} ✗ ${step.description} — ${error}${failedOutput(run, error)}`;
    }
    case 'skipped':
      return `${n} — ${step.description} (skipped: ${run.reason ?? 'no reason given'})`;
    case 'cancelled':
      return `${n} — ${step.description} (cancelled)`;
    default:
      return undefined;
  }
}

/** The last lines a failed step printed, indented under its line; stderr already quoted in the error is left out. */
function failedOutput(run: StepRun, error: string): string {
  const tail = failureTail(run.outputs, error, REPORT_TAIL_LINES);
  return tail === ''
    ? ''
    : `\n${tail
        .split('\n')
        .map((line) => `       ${line}`)
        .join('\n')}`;
}

/** Output lines a report shows under a failed step. */
const REPORT_TAIL_LINES = 5;

function capResult(text: string): string {
  if (text.length <= RESULT_CAP) return text;
  const code = text.charCodeAt(RESULT_CAP - 1);
  // Never end on the first half of a surrogate pair.
  const end = code >= 0xd800 && code <= 0xdbff ? RESULT_CAP - 1 : RESULT_CAP;
  return text.slice(0, end) + TRUNCATED;
}

function headline(task: Task, counts: TaskCounts): string {
  const word = task.phase === 'failed' ? 'Failed' : 'Completed';
  const subject = `${word}: "${task.request}" — `;
  if (counts.completed === counts.total) return `${subject}all ${counts.total} steps succeeded`;
  const cancelled = counts.cancelled > 0 ? `, ${counts.cancelled} cancelled` : '';
  return `${subject}${counts.completed}/${counts.total} succeeded, ${counts.failed} failed, ` + `${counts.skipped} skipped${cancelled}`;
}

function report(task: Task, graph: TaskGraph, counts: TaskCounts): string {
  const lines = new ReportLines();
  let result = '';
  graph.topologicalOrder().forEach((id, index) => {
    const run = task.runs.get(id);
    if (run === undefined || !isTerminalStepState(run.state)) return;
    lines.offer(run.state === 'failed', () => stepLine(index + 1, graph.step(id), run) ?? '');
    const stdout = run.state === 'completed' ? (run.outputs?.stdout.trim() ?? '') : '';
    // Strictly longer, so ties keep the earliest step in topological order.
    if (stdout.length > result.length) result = stdout;
  });
  const text = [headline(task, counts), ...lines.lines()];
  if (lines.offered > 0 && result !== '') text.push('', '─── Result ───', capResult(result));
  return text.join('\n');
}

export function summarizeTask(task: Task, graph: TaskGraph): string {
  const counts = countSteps(task);
  switch (task.phase) {
    case 'planning':
      return `Planning: "${task.request}" — ${stepCount(counts.total)} identified`;
    case 'awaiting_approval':
      return `Awaiting approval: "${task.request}" — ${stepCount(counts.total)} in plan`;
    case 'executing':
    case 'reconciling':
      return progressLine('Executing: ', task, counts);
    case 'awaiting_replan':
      return progressLine('Waiting for a corrective plan: ', task, counts);
    case 'completed':
    case 'failed':
      return report(task, graph, counts);
    case 'cancelled':
      return `Cancelled: "${task.request}"`;
  }
}

function stepCount(n: number): string {
  return n === 1 ? '1 step' : `${n} steps`;
}

/** One line of a command for the plan text: its first line, at most 200 chars. */
function clip(command: string): string {
  const first = command.split('\n')[0] ?? '';
  const more = first.length < command.length;
  return first.length > 200 ? `${first.slice(0, 199)}…` : more ? `${first} …` : first;
}
