import { sleep } from '../../clock.js';
import { stopForBudget } from '../governance/budget-stop.js';
import { nextRun, type RetryPolicy, type Step } from '../model.js';
import type { StepFailure } from './deps.js';
import { attemptStep, failStep } from './step-runner.js';
import type { TaskRun } from './task-run.js';

/** One attempt and no retries, unless the step, the config or the plugin says otherwise. */
const ONCE: RetryPolicy = { attempts: 1, backoffSeconds: 1, maxBackoffSeconds: 60 };

/** The retry policy of a step: its own, else its action's (plugin default or config). */
export function retryPolicyOf(run: TaskRun, step: Step): RetryPolicy {
  return step.retry ?? run.deps.catalogue.info(step.action)?.retry ?? ONCE;
}

/** Exponential backoff with jitter: half to all of `backoffSeconds` × 2^(n−1), at most `maxBackoffSeconds`. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * 2 ** (failedAttempt - 1)) * 1000;
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Runs a pending step until it completes, fails for good or is cancelled: each attempt holds a
 * slot while it runs; a retryable failure with attempts left waits (pending, slot given back) and
 * tries again. Attempts count on from what the store holds, so a step resumed after a crash goes on
 * numbering. Resolves the final failure, if any.
 */
export async function runWithRetries(run: TaskRun, stepId: string): Promise<StepFailure | undefined> {
  const { deps } = run;
  const step = run.step(stepId);
  const policy = retryPolicyOf(run, step);
  let attempt = (run.run(stepId)?.attempt ?? 0) + 1;
  let release = await deps.slots.acquire(run.signal);
  try {
    while (release) {
      const current = run.run(stepId);
      if (current?.state !== 'pending' || run.signal.aborted) return undefined;
      // A used-up budget starts nothing more: the pending steps are skipped with its reason.
      if (await stopForBudget(run)) return undefined;
      const { error: _previous, retryAt: _due, reason: _why, ...rest } = current;
      const started = nextRun(rest, { state: 'running', startedAt: deps.writer.now(), attempt, attempts: policy.attempts });
      const audit = [{ actor: 'system' as const, kind: 'step_attempt' as const, stepId, details: { attempt, of: policy.attempts } }];
      if (!(await run.setStep(stepId, started, attempt > 1 ? audit : []))) return undefined;
      const outcome = await attemptStep(run, step, attempt);
      if (outcome.kind !== 'failed') return undefined;
      const exitCode = outcome.outputs?.exitCode;
      const listed = policy.exitCodes === undefined || exitCode === undefined || exitCode === null || policy.exitCodes.includes(exitCode);
      if (!outcome.retryable || !listed || attempt >= policy.attempts || run.signal.aborted) {
        return failStep(run, step, outcome.error, attempt, outcome.outputs);
      }
      const waitMs = backoffMs(policy, attempt);
      const retryAt = new Date(deps.clock.now().getTime() + waitMs).toISOString();
      const { processes: _gone, ...running } = run.run(stepId) ?? started;
      const waiting = nextRun(running, { state: 'pending', error: deps.masker.mask(outcome.error), retryAt });
      const failedAttempt = [
        {
          actor: 'system' as const,
          kind: 'step_failed' as const,
          stepId,
          outcome: 'failure' as const,
          comment: waiting.error,
          details: { attempt, of: policy.attempts, retryAt },
        },
      ];
      if (!(await run.setStep(stepId, waiting, failedAttempt))) return undefined;
      run.channel.log('warning', {
        event: 'step_retry',
        taskId: run.task.id,
        stepId,
        attempt,
        of: policy.attempts,
        retryAt,
        error: waiting.error,
      });
      release();
      release = undefined;
      // A cancel ends the wait at once.
      if (!(await sleep(deps.clock, waitMs, run.signal))) return undefined;
      release = await deps.slots.acquire(run.signal);
      attempt += 1;
    }
    return undefined;
  } finally {
    release?.();
  }
}
