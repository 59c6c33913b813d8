import { TIERS, type Tier } from '../model.js';
import type { PlannedDraft } from './types.js';

/**
 * A step's tier is the highest of what its planner wrote, its action's own tier and what its
 * command lines need (a shell step that deletes a tree is destructive, one that pushes is
 * external). A planner may raise a tier but never lower it: the tier is what the plan text and
 * the confirmation gate go by. Every plan path — LLM, host-written, replans — passes through here.
 */
export function withTierFloor(drafts: PlannedDraft[]): PlannedDraft[] {
  return drafts.map((draft) => (rank(draft.required.tier) > rank(draft.tier) ? { ...draft, tier: draft.required.tier } : draft));
}

function rank(tier: Tier): number {
  return TIERS.indexOf(tier);
}
