import { errorMessage } from '../../errors.js';
import { nextRun, type Step, type StepOutputs } from '../model.js';
import type { StepResult } from '../ports.js';
import { formatDuration } from '../views/text.js';
import { untilAborted } from './abort.js';
import type { StepFailure } from './deps.js';
import { isRetryable } from './retryable.js';
import { stepContext } from './step-context.js';
import type { TaskRun } from './task-run.js';
import type { AuditDraft } from './writer.js';

/** How much of a step's stdout and stderr its audit entry keeps; the step's outputs keep the rest. */
const AUDIT_CAP = 4_096;

class StepTimeout extends Error {}

/** Why a finished attempt's signal aborts (what it started is stopped); made once, as `abort()` would build a DOMException per step. */
const ATTEMPT_ENDED = new Error('the step attempt has ended');

/** How one attempt ended: completed (stored), failed (not stored yet: it may be tried again) or cancelled. */
export type AttemptOutcome =
  { kind: 'completed' } | { kind: 'cancelled' } | { kind: 'failed'; error: string; outputs?: StepOutputs; retryable: boolean };

/** Runs one attempt of a running step's action; a success is stored here, a failure is for the caller to decide. */
export async function attemptStep(run: TaskRun, step: Step, attempt: number): Promise<AttemptOutcome> {
  const { deps, task, channel } = run;
  const stepAbort = new AbortController();
  const onTaskAbort = (): void => stepAbort.abort(run.signal.reason);
  run.signal.addEventListener('abort', onTaskAbort, { once: true });
  const timeoutMs = deps.actions.timeoutMs(step.action) ?? deps.settings.stepTimeoutMs;
  const stopTimer = deps.clock.after(timeoutMs, () => stepAbort.abort(new StepTimeout()));
  const logger = deps.logger.child({ taskId: task.id, stepId: step.id, plugin: step.action });
  channel.log('info', { event: 'step_started', taskId: task.id, stepId: step.id, description: step.description, attempt });
  logger.info({ action: step.action, description: step.description, attempt }, 'step started');

  let result: StepResult | undefined;
  let error: unknown;
  try {
    const parsed = deps.actions.parseInput(step.action, step.input);
    if (!parsed.ok) throw new Error(`The step input no longer fits the ${step.action} action: ${parsed.problems.join('; ')}`);
    const context = stepContext(run, step, stepAbort.signal, logger, attempt);
    result = await untilAborted(deps.actions.run(step.action, parsed.input, context), stepAbort.signal);
  } catch (caught) {
    error = caught;
  } finally {
    stopTimer();
    run.signal.removeEventListener('abort', onTaskAbort);
    stepAbort.abort(ATTEMPT_ENDED);
  }

  if (run.signal.aborted) {
    // cancel() already marked the step; this only covers a race with it.
    await run.setStep(step.id, nextRun(run.run(step.id) ?? { state: 'running' }, { state: 'cancelled', finishedAt: deps.writer.now() }));
    return { kind: 'cancelled' };
  }
  if (error instanceof StepTimeout) {
    return { kind: 'failed', error: `Action "${step.action}" timed out after ${formatDuration(timeoutMs)}.`, retryable: true };
  }
  if (error !== undefined || result === undefined) {
    const outputs = failureOutputs(error);
    return { kind: 'failed', error: errorMessage(error), ...(outputs ? { outputs } : {}), retryable: isRetryable(error) };
  }
  await complete(run, step, result, attempt);
  return { kind: 'completed' };
}

async function complete(run: TaskRun, step: Step, result: StepResult, attempt: number): Promise<void> {
  const { deps, task, channel } = run;
  const outputs = deps.masker.maskDeep(toOutputs(result));
  const summary = deps.masker.mask(typeof result.summary === 'string' ? result.summary : String(result.summary ?? ''));
  const { processes: _done, ...current } = run.run(step.id) ?? { state: 'running' as const };
  const finished = nextRun(current, { state: 'completed', finishedAt: deps.writer.now(), summary, outputs });
  if (!(await run.setStep(step.id, finished, [audit(step, 'step_completed', summary, 'success', attempt, outputs)]))) return;
  run.released(step.id);
  channel.log('info', { event: 'step_completed', taskId: task.id, stepId: step.id, summary });
  deps.logger.info({ taskId: task.id, stepId: step.id }, 'step completed');
}

/** Stores a step's failure, skips its dependents and says so; the failure is what a replan works from. */
export async function failStep(run: TaskRun, step: Step, rawError: string, attempt: number, produced?: StepOutputs): Promise<StepFailure> {
  const { deps, task, channel } = run;
  const error = deps.masker.mask(rawError);
  const outputs = produced && deps.masker.maskDeep(produced);
  const { processes: _done, retryAt: _none, ...current } = run.run(step.id) ?? { state: 'running' as const };
  const failed = nextRun(current, { state: 'failed', finishedAt: deps.writer.now(), error, ...(outputs ? { outputs } : {}) });
  if (await run.setStep(step.id, failed, [audit(step, 'step_failed', error, 'failure', attempt, outputs)]))
    await run.skipDependents(step.id);
  channel.log('error', { event: 'step_failed', taskId: task.id, stepId: step.id, error });
  deps.logger.warn({ taskId: task.id, stepId: step.id, error }, 'step failed');
  return { stepId: step.id, description: step.description, error, ...(outputs ? { outputs } : {}) };
}

function audit(
  step: Step,
  kind: 'step_completed' | 'step_failed',
  text: string,
  outcome: 'success' | 'failure',
  attempt: number,
  outputs?: StepOutputs,
): AuditDraft {
  return {
    actor: 'system',
    kind,
    stepId: step.id,
    source: 'orchestrator',
    request: step.description,
    decision: kind === 'step_completed' ? 'step executed' : 'step failed',
    action: text,
    tier: step.tier,
    ...(outputs
      ? { stdout: outputs.stdout.slice(0, AUDIT_CAP), stderr: outputs.stderr.slice(0, AUDIT_CAP), exitCode: outputs.exitCode ?? 0 }
      : {}),
    outcome,
    details: { attempt },
  };
}

function toOutputs(result: Partial<StepResult>): StepOutputs {
  return {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    artifacts: Array.isArray(result.artifacts) ? result.artifacts.map(String) : [],
    data: result.data ?? null,
    ...(result.truncated === true ? { truncated: true } : {}),
  };
}

/** What a failing action produced, when it threw an ActionError carrying it. */
function failureOutputs(error: unknown): StepOutputs | undefined {
  const result = (error as { result?: unknown } | undefined)?.result;
  if (!(error instanceof Error) || typeof result !== 'object' || result === null) return undefined;
  const outputs = toOutputs(result as Partial<StepResult>);
  const empty =
    outputs.stdout === '' && outputs.stderr === '' && outputs.exitCode === null && outputs.data === null && outputs.artifacts.length === 0;
  return empty ? undefined : outputs;
}
