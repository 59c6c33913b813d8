import { clipRecord, clipText, clipValue } from './clip.js';
import type { Step, StepRun } from '../model.js';
import type { StepView } from './schemas.js';

/** How much stdout (and stderr) a status view carries per step; the full text is in the task resource. */
export const VIEW_STDOUT_CAP = 4_096;

/**
 * Per-field caps of a capped step view, in characters. Objects (input, data) are measured as
 * JSON; over the cap they become `{ truncated: true, preview, bytes }`.
 */
export const STEP_FIELD_CAPS = {
  description: 1_000,
  summary: 1_000,
  error: 2_000,
  reason: 1_000,
  input: 2_000,
  data: 2_000,
  artifactCount: 20,
  artifact: 500,
} as const;

export type { StepView } from './schemas.js';

const RESOURCE_MARKER = (length: number): string => `\n…[truncated: ${length} chars in all; read the task resource for the rest]`;
const SHORT_MARKER = (length: number): string => ` …[${length} chars; see the task resource]`;

/** One step as status shows it: every field capped, unless `full` (the task resource). */
export function stepView(step: Step, run: StepRun | undefined, full: boolean): StepView {
  const text = (value: string, max: number): string => (full ? value : clipText(value, max, SHORT_MARKER));
  const view: StepView = {
    id: step.id,
    action: step.action,
    description: text(step.description, STEP_FIELD_CAPS.description),
    dependsOn: step.dependsOn,
    tier: step.tier,
    state: run?.state ?? 'pending',
    input: full ? step.input : clipRecord(step.input, STEP_FIELD_CAPS.input),
  };
  if (run?.startedAt) view.startedAt = run.startedAt;
  if (run?.finishedAt) view.finishedAt = run.finishedAt;
  if (run?.summary !== undefined) view.summary = text(run.summary, STEP_FIELD_CAPS.summary);
  if (run?.error !== undefined) view.error = text(run.error, STEP_FIELD_CAPS.error);
  if (run?.reason !== undefined) view.reason = text(run.reason, STEP_FIELD_CAPS.reason);
  if (run?.attempt !== undefined) {
    view.attempt = run.attempt;
    view.attempts = run.attempts ?? 1;
  }
  if (run?.retryAt !== undefined) view.retryAt = run.retryAt;
  if (run?.waitingFor !== undefined) view.waitingFor = run.waitingFor;
  if (run?.outputs) view.outputs = full ? fullOutputs(run.outputs) : cappedOutputs(run.outputs);
  return view;
}

function fullOutputs(outputs: NonNullable<StepRun['outputs']>): NonNullable<StepView['outputs']> {
  const { stdout, stderr, exitCode, data, artifacts } = outputs;
  return { stdout, stderr, exitCode, data, artifacts, truncated: outputs.truncated === true };
}

function cappedOutputs(outputs: NonNullable<StepRun['outputs']>): NonNullable<StepView['outputs']> {
  const stdout = clipText(outputs.stdout, VIEW_STDOUT_CAP, RESOURCE_MARKER);
  const stderr = clipText(outputs.stderr, VIEW_STDOUT_CAP, RESOURCE_MARKER);
  const data = clipValue(outputs.data, STEP_FIELD_CAPS.data);
  const artifacts = outputs.artifacts.slice(0, STEP_FIELD_CAPS.artifactCount).map((path) => clipText(path, STEP_FIELD_CAPS.artifact));
  const cut =
    stdout !== outputs.stdout ||
    stderr !== outputs.stderr ||
    data !== outputs.data ||
    artifacts.length < outputs.artifacts.length ||
    artifacts.some((path, i) => path !== outputs.artifacts[i]);
  return { stdout, stderr, exitCode: outputs.exitCode, data, artifacts, truncated: outputs.truncated === true || cut };
}
