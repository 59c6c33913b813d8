import type { Step } from '../model.js';
import type { PlannedDraft } from './types.js';

/** Gives every draft a fresh id and turns its index dependencies into ids. */
export function finalizeDrafts(drafts: PlannedDraft[], nextId: () => string): Step[] {
  const named = drafts.map((draft) => ({ draft, id: nextId() }));
  return named.map(({ draft, id }) => ({
    id,
    action: draft.action,
    description: draft.description,
    // Validation already dropped out-of-range indices; the filter only keeps the types honest.
    dependsOn: draft.dependsOn.map((dep) => named[dep]?.id).filter((dep): dep is string => dep !== undefined),
    tier: draft.tier,
    input: { ...draft.input },
    estimatedTokens: draft.estimatedTokens,
    commands: draft.commands,
    // Why the commands set the tier, when they did (the plan text shows it).
    tierReasons: draft.required.tier === draft.tier ? draft.required.reasons : [],
    ...(draft.effects ? { effects: draft.effects } : {}),
    ...(draft.retry ? { retry: draft.retry } : {}),
  }));
}
