import { randomUUID } from 'node:crypto';
import type { EngineContext } from './context.js';
import type { LiveTask } from './live-task.js';
import { tierNeedsConfirmation, type Step } from './model.js';
import { skipDependents } from './skip.js';
import { formatDuration } from './text.js';

type Answer = 'approved' | 'rejected' | 'timeout' | 'aborted';

/**
 * The per-step gate for destructive and external steps: the step waits in `awaiting_confirmation`
 * until a human answers, the tier's timeout passes, or the task is cancelled. Anything but an
 * approval cancels the step and skips its dependents.
 */
export async function confirmStep(live: LiveTask, step: Step, ctx: EngineContext): Promise<boolean> {
  if (!tierNeedsConfirmation(step.tier) || ctx.settings.autoApproveTiers.includes(step.tier)) return true;
  const { task } = live;
  const nonce = randomUUID();
  const running = task.runs.get(step.id);
  ctx.recorder.setStep(task, step.id, { ...running, state: 'awaiting_confirmation', nonce });
  const timeoutMs = ctx.settings.confirmationTimeoutsMs[step.tier];
  live.channel.log('warning', {
    event: 'confirmation_needed',
    taskId: task.id,
    stepId: step.id,
    tier: step.tier,
    description: step.description,
    hint: `Call approve with taskId and stepId "${step.id}" within ${formatDuration(timeoutMs)}.`,
  });
  const answer = await waitForAnswer(live, step.id, timeoutMs);
  live.confirmations.delete(step.id);
  if (answer === 'aborted' || live.abort.signal.aborted) return false;
  const current = task.runs.get(step.id);
  if (answer === 'approved') {
    const { nonce: _answered, ...rest } = current ?? { state: 'running' as const };
    ctx.recorder.setStep(task, step.id, { ...rest, state: 'running' });
    return true;
  }
  const reason =
    answer === 'timeout'
      ? `confirmation timed out after ${formatDuration(timeoutMs)}`
      : 'confirmation denied';
  ctx.recorder.setStep(task, step.id, { ...current, state: 'cancelled', reason, finishedAt: ctx.recorder.now() });
  skipDependents(live, step.id, ctx, `dependency ${step.id} was not confirmed`);
  return false;
}

function waitForAnswer(live: LiveTask, stepId: string, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    const signal = live.abort.signal;
    const settle = (answer: Answer): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(answer);
    };
    const onAbort = (): void => settle('aborted');
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) settle('aborted');
    live.confirmations.set(stepId, { resolve: (approved) => settle(approved ? 'approved' : 'rejected') });
  });
}
