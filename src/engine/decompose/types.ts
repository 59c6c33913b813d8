import type { Tier } from '../model.js';

/** A validated step before it gets an id; `dependsOn` holds 0-based indices into the draft list. */
export interface PlannedDraft {
  description: string;
  action: string;
  dependsOn: number[];
  tier: Tier;
  input: Record<string, unknown>;
  estimatedTokens: number;
}

/** What the planner is told about the sandbox; enforcement lives in the plugins. */
export interface PlanOptions {
  allowlist?: string[];
}
