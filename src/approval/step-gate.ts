import type { ClientChannel } from '../engine/channel.js';
import type { ApprovalGate, FormEnding, StepQuestion } from '../engine/ports.js';
import { askHuman } from './answer.js';
import { stepForm } from './forms.js';
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
  };
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
