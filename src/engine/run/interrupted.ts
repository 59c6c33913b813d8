import { OrchestrateError } from '../../errors.js';
import { INTERRUPTED_DECISIONS } from '../model.js';
import { formatDuration } from '../views/text.js';
import type { StepFailure } from './deps.js';
import { failStep } from './step-runner.js';
import type { StepAnswer, TaskRun } from './task-run.js';

/** The reason an interrupted side-effecting step waits with. */
export const INTERRUPTED = 'interrupted';

type Ending = { kind: 'answered'; answer: StepAnswer } | { kind: 'timeout' } | { kind: 'aborted' };

/**
 * Waits for a person's word on a step that was running when its server stopped and may have had an
 * effect already: `retry` runs it again, `done` counts it as completed (they checked its effect),
 * `fail` fails it like any failure (dependents skipped, a replan). Answered through `approve
 * { stepId, decision }`, or a form when the approval gate uses one. Resolves the failure, if any.
 */
export async function awaitDecision(run: TaskRun, stepId: string): Promise<StepFailure | undefined> {
  const { deps, task, channel } = run;
  const step = run.step(stepId);
  const timeoutMs = deps.settings.interruptedDecisionTimeoutMs;
  let settle: (ending: Ending) => void = () => {};
  const ending = new Promise<Ending>((resolve) => (settle = resolve));
  const stopTimer = deps.clock.after(timeoutMs, () => settle({ kind: 'timeout' }));
  const onAbort = (): void => settle({ kind: 'aborted' });
  run.signal.addEventListener('abort', onAbort, { once: true });
  const stopWaiting = run.awaitAnswer(stepId, {
    resolve(answer) {
      if (!(INTERRUPTED_DECISIONS as readonly string[]).includes(answer.decision)) {
        throw new OrchestrateError('INVALID_ARGUMENT', `Step ${stepId} was interrupted: answer retry, done or fail.`, {
          details: { taskId: task.id, stepId, field: 'decision' },
        });
      }
      settle({ kind: 'answered', answer });
    },
  });
  channel.log('warning', {
    event: 'step_interrupted',
    taskId: task.id,
    stepId,
    description: step.description,
    hint: `The server stopped while this step ran. Ask the user, then call approve { taskId, stepId: "${stepId}", decision: "retry" | "done" | "fail" }.`,
  });
  const form = new AbortController();
  if (deps.gate.route(channel) === 'form') {
    void deps.gate.askInterrupted({ task, step, timeoutMs }, channel, form.signal).then((outcome) => {
      if (outcome.kind === 'chosen') {
        settle({
          kind: 'answered',
          answer: {
            decision: outcome.decision,
            actor: 'human',
            via: 'interruption form',
            ...(outcome.comment ? { comment: outcome.comment } : {}),
          },
        });
      }
    });
  }
  const end = await ending;
  form.abort();
  stopTimer();
  stopWaiting();
  run.signal.removeEventListener('abort', onAbort);
  if (end.kind === 'aborted' || run.signal.aborted) return undefined;
  return decide(run, stepId, end.kind === 'timeout' ? undefined : end.answer);
}

async function decide(run: TaskRun, stepId: string, answer: StepAnswer | undefined): Promise<StepFailure | undefined> {
  const { deps } = run;
  const step = run.step(stepId);
  const current = run.run(stepId) ?? { state: 'awaiting_confirmation' as const };
  const attempt = current.attempt ?? 1;
  const audit = answer
    ? [
        {
          actor: answer.actor,
          kind: 'resume_decision' as const,
          stepId,
          comment: answer.comment ?? answer.decision,
          details: { decision: answer.decision },
          ...(answer.via ? { source: answer.via } : {}),
        },
      ]
    : [];
  const { nonce: _asked, confirmVia: _via, reason: _why, ...rest } = current;
  if (answer?.decision === 'retry') {
    if (await run.setStep(stepId, { ...rest, state: 'pending', decision: 'retry' }, audit)) run.requeue(stepId);
    return undefined;
  }
  if (answer?.decision === 'done') {
    const summary = `Marked done by ${answer.actor === 'human' ? 'a person' : 'the model'} after the server stopped while it ran`;
    const done = { ...rest, state: 'completed' as const, decision: 'done' as const, summary, finishedAt: deps.writer.now() };
    if (await run.setStep(stepId, done, audit)) run.released(stepId);
    return undefined;
  }
  const error = answer
    ? `Interrupted when the server stopped; failed by ${answer.actor === 'human' ? 'a person' : 'the model'}${answer.comment ? `: ${answer.comment}` : ''}`
    : `Interrupted when the server stopped, and nobody decided within ${formatDuration(deps.settings.interruptedDecisionTimeoutMs)} whether to run it again`;
  if (answer) await run.setStep(stepId, { ...rest, state: 'awaiting_confirmation', reason: INTERRUPTED, decision: 'fail' }, audit);
  return failStep(run, step, error, attempt);
}
