import type { EngineContext } from '../engine/context.js';
import type { LiveTask } from '../engine/live-task.js';
import type { Step } from '../engine/model.js';
import { formatDuration } from '../engine/text.js';
import { askHuman } from './answer.js';
import { stepForm } from './forms.js';
import type { ApprovalRoute } from './policy.js';

/** How a confirmation wait ends. */
export type GateEnding = { kind: 'approved' } | { kind: 'denied'; reason: string } | { kind: 'aborted' };

/** A step's confirmation wait, as the form asking the human sees it (built in src/engine/confirm.ts). */
export interface StepGate {
  /** Who may answer now; a form that cannot reach the client hands over to the approve tool. */
  via: ApprovalRoute;
  settle(ending: GateEnding): void;
  /** Set while a form is open: withdraws it when the wait ends another way. */
  withdraw?: () => void;
}

export function timedOut(timeoutMs: number): GateEnding {
  return { kind: 'denied', reason: `confirmation timed out after ${formatDuration(timeoutMs)}` };
}

/**
 * Asks the human to confirm a step through the task's session (a background request: no tool call
 * is running). A dismissed form counts as denied, since the step may not run unconfirmed; only an
 * unreachable client hands the rest of the wait to the approve tool, and only when the policy is
 * "auto" (under "elicitation" the model may never confirm).
 */
export async function confirmByForm(live: LiveTask, step: Step, ctx: EngineContext, gate: StepGate, timeoutMs: number): Promise<void> {
  const elicit = live.channel.elicit?.bind(live.channel);
  const controller = new AbortController();
  gate.withdraw = () => controller.abort(new Error('the confirmation ended another way'));
  const form = stepForm(live.task, step, timeoutMs);
  const outcome = elicit
    ? await askHuman(() => elicit(form, { signal: controller.signal, timeoutMs }), controller.signal)
    : ({ kind: 'unreachable', message: 'the client cannot show forms' } as const);
  delete gate.withdraw;
  const denied = (reason: string): void => gate.settle({ kind: 'denied', reason });
  switch (outcome.kind) {
    case 'approve':
      return gate.settle({ kind: 'approved' });
    case 'reject': {
      const why = outcome.declined ? 'confirmation declined by the user in the form' : 'confirmation denied by the user in the form';
      return denied(outcome.comment ? `${why}: ${outcome.comment}` : why);
    }
    case 'dismissed':
      return denied('confirmation form dismissed by the user (treated as denied)');
    case 'timeout':
      return gate.settle(timedOut(timeoutMs));
    case 'aborted':
      return;
    case 'failed':
      return denied(`confirmation form failed: ${outcome.message}`);
    case 'unreachable':
      return fallBackToTool(live, step, ctx, gate, outcome.message);
  }
}

function fallBackToTool(live: LiveTask, step: Step, ctx: EngineContext, gate: StepGate, message: string): void {
  const log = ctx.logger.child({ taskId: live.task.id, stepId: step.id });
  if (ctx.settings.approvalPolicy === 'elicitation') {
    log.warn({ err: message }, 'confirmation form could not reach the client; policy "elicitation" denies the step');
    gate.settle({
      kind: 'denied',
      reason: `confirmation form could not reach the client (${message}) and approval.policy "elicitation" allows no other way`,
    });
    return;
  }
  log.warn({ err: message }, 'confirmation form could not reach the client; waiting for approve { stepId } for the rest of the timeout');
  gate.via = 'tool';
  const run = live.task.runs.get(step.id);
  if (run?.state === 'awaiting_confirmation') ctx.recorder.setStep(live.task, step.id, { ...run, confirmVia: 'tool' });
  live.channel.log('warning', {
    event: 'confirmation_fallback',
    taskId: live.task.id,
    stepId: step.id,
    hint: `The confirmation form could not be shown; call approve with taskId and stepId "${step.id}" once the user agrees.`,
  });
}
