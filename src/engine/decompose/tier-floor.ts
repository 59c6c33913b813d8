import type { ActionCatalogue } from '../catalogue.js';
import { TIERS, type Tier } from '../model.js';
import type { PlannedDraft } from './types.js';

/**
 * A step never runs below its action's own tier: a planner may raise a tier (a shell step that
 * deletes data is destructive) but not lower it — a shell step marked "read" still runs commands,
 * and the tier is what the plan text and the confirmation gate go by.
 */
export function withTierFloor(drafts: PlannedDraft[], catalogue: ActionCatalogue): PlannedDraft[] {
  return drafts.map((draft) => {
    const floor = catalogue.info(draft.action)?.tier;
    return floor && rank(floor) > rank(draft.tier) ? { ...draft, tier: floor } : draft;
  });
}

function rank(tier: Tier): number {
  return TIERS.indexOf(tier);
}
