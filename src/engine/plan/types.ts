import type { RequiredTier } from '../catalogue.js';
import type { Effects, RetryPolicy, Tier } from '../model.js';

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
  /** What repeating it does, when the plan says (else the action's own class). */
  effects?: Effects;
  /** How it is tried again after a retryable failure, when the plan says. */
  retry?: RetryPolicy;
}

/** What the planner is told about the sandbox; enforcement lives in the plugins. */
export interface PlanOptions {
  allowlist?: string[];
}
