import type { HumanAnswer } from '../engine/channel.js';
import { errorMessage, isOrchestrateError } from '../errors.js';

/**
 * What asking the human through a form came to. `reject` covers both the form's reject choice and
 * an explicit decline; `dismissed` is a form closed without a decision (and an accepted form
 * that carries no valid decision: nobody decided, so nothing is approved).
 */
export type FormOutcome =
  | { kind: 'approve'; comment?: string }
  | { kind: 'reject'; declined: boolean; comment?: string }
  | { kind: 'dismissed' }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'failed'; message: string };

/** Reads the human's answer to a decision form. */
export function readAnswer(answer: HumanAnswer): FormOutcome {
  if (answer.action === 'cancel') return { kind: 'dismissed' };
  const raw = answer.content?.['comment'];
  const comment = typeof raw === 'string' && raw.trim() !== '' ? { comment: raw.trim() } : {};
  if (answer.action === 'decline') return { kind: 'reject', declined: true, ...comment };
  const decision = answer.content?.['decision'];
  if (decision === 'approve') return { kind: 'approve', ...comment };
  if (decision === 'reject') return { kind: 'reject', declined: false, ...comment };
  return { kind: 'dismissed' };
}

/**
 * Sends a form and classifies how it ended. `signal` is the asker's own: once it aborts, the
 * outcome is `aborted` whatever the request did, because the asker has moved on.
 */
export async function askHuman(send: () => Promise<HumanAnswer>, signal: AbortSignal): Promise<FormOutcome> {
  try {
    const answer = await send();
    return signal.aborted ? { kind: 'aborted' } : readAnswer(answer);
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted' };
    if (isOrchestrateError(error) && error.code === 'APPROVAL_TIMEOUT') return { kind: 'timeout' };
    const unreachable = isOrchestrateError(error) && error.details['unreachable'] === true;
    return { kind: unreachable ? 'unreachable' : 'failed', message: errorMessage(error) };
  }
}
