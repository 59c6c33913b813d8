import type { Effects, RetryPolicy, Tier } from './model.js';

/** What planning needs to know about one action (a loaded plugin). */
export interface ActionInfo {
  name: string;
  description: string;
  tier: Tier;
  /** JSON Schema of the action's input, shown to planners. */
  inputSchema: Record<string, unknown>;
  /** Input field filled from the step description when the planner leaves it out (e.g. research → query). */
  fromDescription?: string;
  /** How planners use the action (the plugin's planner metadata). */
  planner: PlannerInfo;
  /** What repeating a step of the action does (decides whether an interrupted step re-runs by itself). */
  effects: Effects;
  /** Whether a step may declare a safer effects class than the action's. */
  effectsMayLower: boolean;
  /** How failed steps are tried again, from the plugin and the config; a step's own policy wins. */
  retry?: RetryPolicy;
}

/** What the plugin tells planners; see `PlannerMetadata` in the plugin API. */
export interface PlannerInfo {
  hints: readonly string[];
  repairHints: readonly string[];
  consumesPriorOutput: boolean;
  untypedStepField?: string;
  fieldAliases: Readonly<Record<string, string>>;
  /** What a step spends when its planner gives no estimate (plan-time budget checks). */
  estimate?: { tokens?: number; delegations?: number };
}

/**
 * A step input that passed the action's checks: the input as the action normalised it, the command
 * lines such a step runs (shown in the plan), and the lowest tier those commands allow.
 */
export type InputCheck =
  { ok: true; input: Record<string, unknown>; commands: string[]; required: RequiredTier } | { ok: false; problems: string[] };

/**
 * The actions a plan may use. Planning validates every step against it; the plugin registry
 * implements it.
 */
export interface ActionCatalogue {
  has(action: string): boolean;
  info(action: string): ActionInfo | undefined;
  list(): ActionInfo[];
  /** Lines planners need that come from the plugins' configuration (e.g. the agents a step may name). */
  contextLines(): string[];
  /**
   * Validates a step's input against the action's schema and plan-time checks (command syntax,
   * allowlist, agent roster), and says what such a step runs and the tier that needs. Problems are
   * short texts, each starting with the field name ("command: Shell metacharacter | not supported …").
   * Asynchronous: a plugin may live in another process.
   */
  checkInput(action: string, input: Record<string, unknown>): Promise<InputCheck>;
}

/**
 * The lowest tier a step may have: the action's own tier, raised by what its command lines do
 * (deleting recursively, rewriting history, reaching the network). `reasons` say why it is above
 * the action's tier; empty when it is not.
 */
export interface RequiredTier {
  tier: Tier;
  reasons: string[];
}
