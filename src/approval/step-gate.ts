import type { ClientChannel } from '../engine/channel.js';
import type { ApprovalGate, ChoiceEnding, FormEnding, StepQuestion } from '../engine/ports.js';
import { askHuman } from './answer.js';
import { interruptedForm, stepForm } from './forms.js';
import { approvalRoute, type ApprovalPolicy } from './policy.js';

/**
 * The engine's approval gate: per-step confirmations through a form the human answers, or through
 * the approve tool, as `approval.policy` and the client allow.
 */
export function createStepGate(policy: ApprovalPolicy): ApprovalGate {
  return {
    route(channel) {
      return approvalRoute(policy, canShowForms(channel));
    },
    async askStep(question, channel, signal) {
      return askByForm(question, channel, signal, policy);
    },
    async askInterrupted(question, channel, signal) {
      return askChoice(question, channel, signal);
    },
  };
}

/** Retry, done or fail, asked through a form; anything but an answer hands the wait to the approve tool. */
async function askChoice(question: StepQuestion, channel: ClientChannel, signal: AbortSignal): Promise<ChoiceEnding> {
  const elicit = channel.elicit?.bind(channel);
  if (!elicit) return { kind: 'handover', message: 'the client cannot show forms' };
  try {
    const answer = await elicit(interruptedForm(question.task, question.step), { signal, timeoutMs: question.timeoutMs });
    if (signal.aborted) return { kind: 'aborted' };
    const decision = answer.content?.['decision'];
    const raw = answer.content?.['comment'];
    const comment = typeof raw === 'string' && raw.trim() !== '' ? { comment: raw.trim() } : {};
    if (answer.action === 'accept' && (decision === 'retry' || decision === 'done' || decision === 'fail'))
      return { kind: 'chosen', decision, ...comment };
    return { kind: 'handover', message: 'the form was closed without a decision' };
  } catch (error) {
    return signal.aborted ? { kind: 'aborted' } : { kind: 'handover', message: error instanceof Error ? error.message : String(error) };
  }
}

function canShowForms(channel: ClientChannel): boolean {
  return !!channel.elicit && (channel.canElicit?.() ?? false);
}

/**
 * Asks the human to confirm a step through the task's session (a background request: no tool call
 * is running). A dismissed form counts as denied, since the step may not run unconfirmed; only an
 * unreachable client hands the rest of the wait to the approve tool, and only under "auto" (under
 * "elicitation" the model may never confirm).
 */
async function askByForm(question: StepQuestion, channel: ClientChannel, signal: AbortSignal, policy: ApprovalPolicy): Promise<FormEnding> {
  const elicit = channel.elicit?.bind(channel);
  const form = stepForm(question.task, question.step, question.timeoutMs);
  const outcome = elicit
    ? await askHuman(() => elicit(form, { signal, timeoutMs: question.timeoutMs }), signal)
    : ({ kind: 'unreachable', message: 'the client cannot show forms' } as const);
  switch (outcome.kind) {
    case 'approve':
      return { kind: 'approved' };
    case 'reject': {
      const why = outcome.declined ? 'confirmation declined by the user in the form' : 'confirmation denied by the user in the form';
      return { kind: 'denied', reason: outcome.comment ? `${why}: ${outcome.comment}` : why };
    }
    case 'dismissed':
      return { kind: 'denied', reason: 'confirmation form dismissed by the user (treated as denied)' };
    case 'timeout':
      return { kind: 'timeout' };
    case 'aborted':
      return { kind: 'aborted' };
    case 'failed':
      return { kind: 'denied', reason: `confirmation form failed: ${outcome.message}` };
    case 'unreachable':
      if (policy === 'elicitation') {
        return {
          kind: 'denied',
          reason: `confirmation form could not reach the client (${outcome.message}) and approval.policy "elicitation" allows no other way`,
        };
      }
      return { kind: 'handover', message: outcome.message };
  }
}
