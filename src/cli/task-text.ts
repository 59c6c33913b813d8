/** A task as `show` prints it for a human: header, waits, report, the graph, and every step. */
import { afterText, drawLevels, stepNumbers } from './dag-text.js';
import type { TaskDetail, TaskView } from './database.js';
import { formatSpan, formatTime, indent, MARKER_LEGEND, oneLine, STATE_MARKERS } from './format.js';

type StepView = TaskView['steps'][number];

const REQUEST_CAP = 1_000;
const LINE_CAP = 200;
/** Lines of output shown per stream: the start of a finished step's, the end of a failed one's. */
const HEAD_LINES = 5;
const TAIL_LINES = 10;

export function taskText({ view, workdir }: TaskDetail): string {
  const sections = [header(view, workdir), waits(view), `Report\n${indent(view.summaryText, '  ')}`];
  if (view.steps.length > 0) {
    sections.push(`Graph (${MARKER_LEGEND})\n${indent(drawLevels(view.steps), '  ')}`);
    const numbers = stepNumbers(view.steps);
    sections.push(`Steps\n${view.steps.map((step) => stepText(step, numbers)).join('\n')}`);
  }
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

function header(view: TaskView, workdir: string | undefined): string {
  const request =
    view.request.length > REQUEST_CAP ? `${view.request.slice(0, REQUEST_CAP)}… (${view.request.length} chars)` : view.request;
  const replans = view.replanAttempts > 0 ? ` (after ${view.replanAttempts} replan${view.replanAttempts === 1 ? '' : 's'})` : '';
  const took = view.completedAt ? ` (${formatSpan(view.createdAt, view.completedAt)} after it was created)` : '';
  const rows: Array<[string, string]> = [
    ['Request', request],
    ['Phase', `${view.phase}${replans}`],
    ['Plan hash', view.planHash],
    ['Planned by', view.origin === 'sampling' ? "the client's LLM (sampling)" : 'the calling model (host-written steps)'],
    ['Workdir', workdir ?? '(the server default)'],
    ['Created', formatTime(view.createdAt)],
    ...(view.completedAt ? [['Completed', `${formatTime(view.completedAt)}${took}`] as [string, string]] : []),
    ['Steps', countsText(view)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  const lines = rows.map(([name, value]) => `  ${`${name}:`.padEnd(width)}${value.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
  return [`Task ${view.id}`, ...lines].join('\n');
}

function countsText(view: TaskView): string {
  const { counts } = view;
  const parts = (
    [
      ['completed', counts.completed],
      ['failed', counts.failed],
      ['running', counts.running],
      ['awaiting_confirmation', counts.awaiting],
      ['pending', counts.pending],
      ['skipped', counts.skipped],
      ['cancelled', counts.cancelled],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${STATE_MARKERS[state]} ${state.replace('_', ' ')}`);
  return `${view.stepsTotal} — ${parts.join(', ') || 'none started'}`;
}

function waits(view: TaskView): string {
  const lines = (view.awaiting ?? []).map((wait) => {
    switch (wait.kind) {
      case 'plan_approval':
        return `  The plan waits for approval (plan hash ${wait.planHash}).`;
      case 'step_confirmation':
        return `  Step ${wait.stepId} (${wait.tier}) waits for a human to confirm it${wait.via === 'form' ? ' in a client form' : ''}.`;
      case 'step_interrupted':
        return `  Step ${wait.stepId} was interrupted by a stop of its server: retry, done or fail? (orchestrate-mcp approve ${view.id} --step ${wait.stepId} --decision retry|done|fail)`;
      case 'client':
        return `  Step ${wait.stepId} waits for an MCP client that supports sampling to connect.`;
      case 'replan':
        return `  Corrective steps for ${wait.failedStepId} are awaited until ${formatTime(wait.deadline)}.`;
    }
  });
  return lines.length === 0 ? '' : `Waiting\n${lines.join('\n')}`;
}

function stepText(step: StepView, numbers: ReadonlyMap<string, number>): string {
  const after = afterText(step, numbers);
  const span = step.startedAt && step.finishedAt ? formatSpan(step.startedAt, step.finishedAt) : '';
  const title = [`#${numbers.get(step.id)} ${STATE_MARKERS[step.state]} ${step.id}`, step.action, step.tier, step.state, after, span];
  const lines = [`  ${title.filter(Boolean).join('  ')}`, `     ${oneLine(step.description, LINE_CAP)}`];
  const field = (name: string, value: string): void => void lines.push(`     ${name}: ${oneLine(value, LINE_CAP)}`);
  if (Object.keys(step.input).length > 0) field('input', JSON.stringify(step.input));
  if (step.summary !== undefined) field('summary', step.summary);
  if (step.error !== undefined) field('error', step.error);
  if (step.reason !== undefined) field('reason', step.reason);
  if (step.attempt !== undefined && (step.attempts ?? 1) > 1)
    field('attempt', `${step.attempt}/${step.attempts}${step.retryAt ? `, next at ${formatTime(step.retryAt)}` : ''}`);
  const outputs = step.outputs;
  if (outputs) {
    if (outputs.exitCode !== null && outputs.exitCode !== 0) field('exit code', String(outputs.exitCode));
    const failed = step.state === 'failed';
    lines.push(...stream('stdout', outputs.stdout, failed ? 'tail' : 'head'), ...stream('stderr', outputs.stderr, 'tail'));
    if (outputs.data !== undefined && outputs.data !== null) field('data', JSON.stringify(outputs.data));
    if (outputs.artifacts.length > 0) field('artifacts', outputs.artifacts.join(', '));
  }
  return lines.join('\n');
}

/** A stream abbreviated: its first lines, or its last (where a failing tool says what went wrong). */
function stream(name: string, text: string, end: 'head' | 'tail'): string[] {
  const all = text.trimEnd().split('\n');
  if (text.trim() === '') return [];
  const keep = end === 'head' ? HEAD_LINES : TAIL_LINES;
  const shown = end === 'head' ? all.slice(0, keep) : all.slice(-keep);
  const which =
    all.length <= keep ? '' : end === 'head' ? ` (first ${keep} of ${all.length} lines)` : ` (last ${keep} of ${all.length} lines)`;
  return [`     ${name}${which}:`, ...shown.map((line) => `       ${clipLine(line)}`)];
}

function clipLine(line: string): string {
  return line.length > LINE_CAP ? `${line.slice(0, LINE_CAP - 1)}…` : line;
}
