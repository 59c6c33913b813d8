import { randomUUID } from 'node:crypto';
import { OrchestrateError } from '../../errors.js';
import { tierNeedsConfirmation, type Step } from '../model.js';
import type { FormEnding } from '../ports.js';
import { formatDuration } from '../views/text.js';
import type { EngineSettings } from './deps.js';
import type { StepAnswer, TaskRun } from './task-run.js';
import type { AuditDraft } from './writer.js';

/** How a confirmation wait ended. */
type Ending = { kind: 'approved'; answer?: StepAnswer } | { kind: 'denied'; reason: string; answer?: StepAnswer } | { kind: 'aborted' };

/** True when a step must wait for a human before it runs (its tier asks and policy does not pre-approve it). */
export function needsConfirmation(step: Step, settings: EngineSettings): boolean {
  return tierNeedsConfirmation(step.tier) && !settings.autoApproveTiers.includes(step.tier);
}

/**
 * The per-step gate for destructive and external steps: the step waits in `awaiting_confirmation`
 * until it is answered (by the human through a form when the gate and client allow, else through
 * `approve { stepId }`), the tier's timeout passes, or the task is cancelled. An approval puts it
 * back to `pending`, to run when a slot is free; anything else cancels it and skips its dependents.
 */
export async function confirmStep(run: TaskRun, step: Step): Promise<boolean> {
  const { deps, task, channel } = run;
  const timeoutMs = deps.settings.confirmationTimeoutsMs[step.tier];
  const route = deps.gate.route(channel);
  let via: 'form' | 'tool' = route === 'form' ? 'form' : 'tool';
  let settle: (ending: Ending) => void = () => {};
  const ending = new Promise<Ending>((resolve) => (settle = resolve));
  const stopTimer = deps.clock.after(timeoutMs, () =>
    settle({ kind: 'denied', reason: `confirmation timed out after ${formatDuration(timeoutMs)}` }),
  );
  const onAbort = (): void => settle({ kind: 'aborted' });
  run.signal.addEventListener('abort', onAbort, { once: true });
  const stopWaiting = run.awaitAnswer(step.id, {
    resolve(answer) {
      // The point of the form: while the human is asked, the calling model cannot approve in their
      // place. Refusing is always safe, so a model's refusal still ends the wait (and the form).
      if (answer.decision === 'retry' || answer.decision === 'done' || answer.decision === 'fail') {
        throw new OrchestrateError('INVALID_ARGUMENT', `Step ${step.id} waits for a confirmation: answer approve or reject.`, {
          details: { taskId: task.id, stepId: step.id, field: 'decision' },
        });
      }
      if (answer.decision === 'approve' && via === 'form' && answer.actor === 'model') {
        throw new OrchestrateError(
          'APPROVAL_NEEDS_HUMAN',
          `Step ${step.id} is being confirmed by the user through a form in their client; approve cannot confirm it.`,
          {
            details: { taskId: task.id, stepId: step.id },
            hint: 'Tell the user to answer the form and follow the task with status; decision "reject" or cancel still stop the step.',
          },
        );
      }
      settle(answer.decision === 'approve' ? { kind: 'approved', answer } : { kind: 'denied', reason: 'confirmation denied', answer });
    },
  });
  await run.setStep(step.id, { ...run.run(step.id), state: 'awaiting_confirmation', nonce: randomUUID(), confirmVia: via });
  channel.log('warning', {
    event: 'confirmation_needed',
    taskId: task.id,
    stepId: step.id,
    tier: step.tier,
    description: step.description,
    via,
    hint:
      via === 'form'
        ? `The user is asked through a form in the client; it is cancelled unless they approve within ${formatDuration(timeoutMs)}.`
        : `Call approve with taskId and stepId "${step.id}" within ${formatDuration(timeoutMs)}.`,
  });
  const form = new AbortController();
  if (route === 'unavailable') {
    settle({ kind: 'denied', reason: 'confirmation needs the user, but the client cannot show a form (approval.policy "elicitation")' });
  } else if (route === 'form') {
    void deps.gate
      .askStep({ task, step, timeoutMs }, channel, form.signal)
      .then((outcome) => formEnded(run, step, outcome, settle, () => (via = 'tool')));
  }
  const end = await ending;
  form.abort();
  stopTimer();
  stopWaiting();
  run.signal.removeEventListener('abort', onAbort);
  if (end.kind === 'aborted' || run.signal.aborted) return false;
  const current = run.run(step.id);
  const answered = end.answer ? [answerEntry(step, end.kind === 'approved', end.answer)] : [];
  if (end.kind === 'approved') {
    const { nonce: _answered, confirmVia: _via, ...rest } = current ?? { state: 'pending' as const };
    await run.setStep(step.id, { ...rest, state: 'pending' }, answered);
    return true;
  }
  const refused = end.answer
    ? answered
    : [{ actor: 'system' as const, kind: 'step_refused' as const, comment: end.reason, stepId: step.id }];
  await run.setStep(step.id, { ...current, state: 'cancelled', reason: end.reason, finishedAt: run.deps.writer.now() }, refused);
  await run.skipDependents(step.id, `dependency ${step.id} was not confirmed`);
  return false;
}

function answerEntry(step: Step, approved: boolean, answer: StepAnswer): AuditDraft {
  return {
    actor: answer.actor,
    kind: approved ? 'step_confirmed' : 'step_refused',
    stepId: step.id,
    tier: step.tier,
    ...(answer.comment ? { comment: answer.comment } : {}),
    ...(answer.via ? { source: answer.via } : {}),
  };
}

/** Settles the wait from a form's outcome, or hands the rest of the wait over to the approve tool. */
async function formEnded(
  run: TaskRun,
  step: Step,
  outcome: FormEnding,
  settle: (ending: Ending) => void,
  handover: () => void,
): Promise<void> {
  const human: StepAnswer = { decision: 'approve', actor: 'human', via: 'confirmation form' };
  switch (outcome.kind) {
    case 'approved':
      settle({ kind: 'approved', answer: human });
      return;
    case 'denied':
      settle({ kind: 'denied', reason: outcome.reason, answer: { ...human, decision: 'reject', comment: outcome.reason } });
      return;
    case 'timeout':
      settle({
        kind: 'denied',
        reason: `confirmation timed out after ${formatDuration(run.deps.settings.confirmationTimeoutsMs[step.tier])}`,
      });
      return;
    case 'aborted':
      return;
    case 'handover': {
      handover();
      const current = run.run(step.id);
      if (current?.state === 'awaiting_confirmation') await run.setStep(step.id, { ...current, confirmVia: 'tool' });
      run.channel.log('warning', {
        event: 'confirmation_fallback',
        taskId: run.task.id,
        stepId: step.id,
        hint: `The confirmation form could not be shown; call approve with taskId and stepId "${step.id}" once the user agrees.`,
      });
      return;
    }
  }
}
