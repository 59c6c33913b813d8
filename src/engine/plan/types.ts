import type { RequiredTier } from '../catalogue.js';
import type { Tier } from '../model.js';

/** A validated step before it gets an id; `dependsOn` holds 0-based indices into the draft list. */
export interface PlannedDraft {
  description: string;
  action: string;
  dependsOn: number[];
  tier: Tier;
  input: Record<string, unknown>;
  estimatedTokens: number;
  /** The command lines the step runs, as its action lists them. */
  commands: string[];
  /** The lowest tier its commands allow, and why when above the action's own. */
  required: RequiredTier;
}

/** What the planner is told about the sandbox; enforcement lives in the plugins. */
export interface PlanOptions {
  allowlist?: string[];
}
