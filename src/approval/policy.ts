import { OrchestrateError } from '../errors.js';

/**
 * Who may give an approval (`approval.policy`):
 * - `auto`: the human through a form when the client can show one (elicitation), else the approve tool;
 * - `tool`: always the approve tool (the calling model relays the user's word);
 * - `elicitation`: only the human through a form; without one, nothing can be approved.
 */
export const APPROVAL_POLICIES = ['auto', 'tool', 'elicitation'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

/** What the approval side needs from the config. */
export interface ApprovalSettings {
  policy: ApprovalPolicy;
  /** How long a plan-approval form waits for the human. */
  planTimeoutMs: number;
}

/** How an approval is collected: a form the human answers, or the approve tool. */
export type ApprovalRoute = 'form' | 'tool';

/** The route for one approval, or `unavailable` when the policy needs a form the client cannot show. */
export function approvalRoute(policy: ApprovalPolicy, canElicit: boolean): ApprovalRoute | 'unavailable' {
  if (policy === 'tool') return 'tool';
  if (canElicit) return 'form';
  return policy === 'elicitation' ? 'unavailable' : 'tool';
}

/** The refusal when an approval must come from the human and cannot come from the calling model. */
export function needsHuman(message: string, details: Record<string, unknown> = {}, hint?: string): OrchestrateError {
  return new OrchestrateError('APPROVAL_NEEDS_HUMAN', message, { details, ...(hint ? { hint } : {}) });
}
