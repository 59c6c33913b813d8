import { randomUUID } from 'node:crypto';
import { confirmByForm, timedOut, type GateEnding, type StepGate } from '../approval/step-form.js';
import { approvalRoute, needsHuman, type ApprovalRoute } from '../approval/policy.js';
import type { EngineContext } from './context.js';
import type { LiveTask } from './live-task.js';
import { tierNeedsConfirmation, type Step } from './model.js';
import { skipDependents } from './skip.js';
import { formatDuration } from './text.js';

/**
 * The per-step gate for destructive and external steps: the step waits in `awaiting_confirmation`
 * until it is answered (by the human through a form when the policy and client allow, else through
 * `approve { stepId }`), the tier's timeout passes, or the task is cancelled. Anything but an
 * approval cancels the step and skips its dependents.
 */
/** True when a step must wait for a human before it runs (its tier asks and policy does not pre-approve it). */
export function needsConfirmation(step: Step, ctx: EngineContext): boolean {
  return tierNeedsConfirmation(step.tier) && !ctx.settings.autoApproveTiers.includes(step.tier);
}

export async function confirmStep(live: LiveTask, step: Step, ctx: EngineContext): Promise<boolean> {
  if (!needsConfirmation(step, ctx)) return true;
  const { task } = live;
  const timeoutMs = ctx.settings.confirmationTimeoutsMs[step.tier];
  const canElicit = !!live.channel.elicit && (live.channel.canElicit?.() ?? false);
  const route = approvalRoute(ctx.settings.approvalPolicy, canElicit);
  const { gate, ending } = openGate(live, step.id, timeoutMs, route === 'form' ? 'form' : 'tool');
  const pending = task.runs.get(step.id);
  ctx.recorder.setStep(task, step.id, { ...pending, state: 'awaiting_confirmation', nonce: randomUUID(), confirmVia: gate.via });
  live.channel.log('warning', {
    event: 'confirmation_needed',
    taskId: task.id,
    stepId: step.id,
    tier: step.tier,
    description: step.description,
    via: gate.via,
    hint:
      gate.via === 'form'
        ? `The user is asked through a form in the client; it is cancelled unless they approve within ${formatDuration(timeoutMs)}.`
        : `Call approve with taskId and stepId "${step.id}" within ${formatDuration(timeoutMs)}.`,
  });
  if (route === 'unavailable') {
    gate.settle({
      kind: 'denied',
      reason: 'confirmation needs the user, but the client cannot show a form (approval.policy "elicitation")',
    });
  } else if (route === 'form') {
    void confirmByForm(live, step, ctx, gate, timeoutMs);
  }
  const end = await ending;
  live.confirmations.delete(step.id);
  if (end.kind === 'aborted' || live.abort.signal.aborted) return false;
  const current = task.runs.get(step.id);
  if (end.kind === 'approved') {
    // Confirmed: it runs as soon as a slot is free.
    const { nonce: _answered, confirmVia: _via, ...rest } = current ?? { state: 'pending' as const };
    ctx.recorder.setStep(task, step.id, { ...rest, state: 'pending' });
    return true;
  }
  ctx.recorder.setStep(task, step.id, { ...current, state: 'cancelled', reason: end.reason, finishedAt: ctx.recorder.now() });
  skipDependents(live, step.id, ctx, `dependency ${step.id} was not confirmed`);
  return false;
}

/**
 * Opens the wait: one timer for the tier's timeout (a form hands its remaining time over when it
 * falls back to the tool), the task's abort, and the waiter `approve { stepId }` resolves.
 */
function openGate(live: LiveTask, stepId: string, timeoutMs: number, via: ApprovalRoute): { gate: StepGate; ending: Promise<GateEnding> } {
  const signal = live.abort.signal;
  let finish: (ending: GateEnding) => void = () => {};
  const ending = new Promise<GateEnding>((resolve) => {
    finish = resolve;
  });
  let settled = false;
  const gate: StepGate = {
    via,
    settle(end) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      gate.withdraw?.();
      finish(end);
    },
  };
  const onAbort = (): void => gate.settle({ kind: 'aborted' });
  const timer = setTimeout(() => gate.settle(timedOut(timeoutMs)), timeoutMs);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  live.confirmations.set(stepId, {
    resolve(approved) {
      // The point of the form: while the human is asked, the calling model cannot approve in their
      // place. Refusing is always safe, so a model's reject still ends the wait (and the form).
      if (approved && gate.via === 'form') {
        throw needsHuman(
          `Step ${stepId} is being confirmed by the user through a form in their client; approve cannot confirm it.`,
          { taskId: live.task.id, stepId },
          'Tell the user to answer the form and follow the task with status; decision "reject" or cancel still stop the step.',
        );
      }
      gate.settle(approved ? { kind: 'approved' } : { kind: 'denied', reason: 'confirmation denied' });
    },
  });
  return { gate, ending };
}
