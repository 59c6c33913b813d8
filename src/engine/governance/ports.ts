/**
 * The ports of budgets and memory: where spend and past tasks are kept (the store implements
 * them) and what a step sees of its task's budgets.
 */

/** A scope budgets are kept for: one task, or one UTC day (`YYYY-MM-DD`) over every task. */
export interface BudgetKey {
  scope: 'task' | 'day';
  key: string;
}

/** What a scope has spent. `tokens` includes `reservedTokens`: sampling requests still in flight. */
export interface BudgetSpend {
  tokens: number;
  reservedTokens: number;
  wallMs: number;
  delegations: number;
}

/** A change of spend; negative amounts release (a settled reservation). */
export type BudgetCharge = Partial<BudgetSpend>;

/** Limits in ledger units; an absent one is unlimited. */
export interface BudgetCap {
  tokens?: number;
  wallMs?: number;
  delegations?: number;
}

/**
 * Where budget spend is kept, shared by every server on the database. A charge is one atomic
 * write over all its scopes: with caps, it is refused (nothing written, `ok` false) when a positive
 * amount would take a scope past its cap.
 */
export interface BudgetLedger {
  read(keys: readonly BudgetKey[]): Promise<BudgetSpend[]>;
  charge(
    entries: ReadonlyArray<{ key: BudgetKey; cap?: BudgetCap }>,
    charge: BudgetCharge,
  ): Promise<{ ok: boolean; before: BudgetSpend[]; after: BudgetSpend[] }>;
}

/** What is left of each budget for a step; undefined is unlimited. */
export interface BudgetLeft {
  tokens?: number;
  wallSeconds?: number;
  delegations?: number;
}

/** A step's view of its task's budgets (`ctx.budget` of the plugin API). */
export interface StepBudget {
  remaining(): BudgetLeft;
  /** Reports use; rejects with BUDGET_EXCEEDED when it takes a budget past its limit (see the plugin API). */
  spend(use: { tokens?: number; delegations?: number }): Promise<void>;
}

/** One step of a remembered task, as planners are shown it. */
export interface EpisodeStep {
  action: string;
  description: string;
  /** Why it failed, for failed steps. */
  error?: string;
}

/** A finished task as memory keeps it: what was asked, planned, what failed and what recovered it. */
export interface Episode {
  taskId: string;
  request: string;
  outcome: 'completed' | 'failed';
  endedAt: string;
  /** The approved plan's steps, in order. */
  plan: EpisodeStep[];
  failures: EpisodeStep[];
  /** Steps a replan added that completed after a failure. */
  recoveredBy: EpisodeStep[];
  /** Coding agents that did the work (`data.agent` of completed steps). */
  agents: string[];
  /** Why the task failed when no step did (a budget stopped it, say). */
  note?: string;
}

/** Past tasks, searchable by the words of a request. */
export interface EpisodeMemory {
  record(episode: Episode): Promise<void>;
  /** The most relevant episodes for a request, best first. */
  recall(request: string, limit: number): Promise<Episode[]>;
}
