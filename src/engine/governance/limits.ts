/**
 * Budgets as the operator sets them (config `budgets`), and the words and numbers they are shown in.
 * The ledger counts wall time in ms; people read seconds.
 */
import type { BudgetCap, BudgetKey, BudgetSpend } from './ports.js';

export const BUDGET_KINDS = ['tokens', 'wallSeconds', 'delegations'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];
export type BudgetScope = BudgetKey['scope'];

/** Limits of one scope; an absent one is unlimited. */
export type BudgetLimits = Partial<Record<BudgetKind, number>>;

export interface BudgetSettings {
  perTask: BudgetLimits;
  perDay: BudgetLimits;
}

export const NO_SPEND: BudgetSpend = { tokens: 0, reservedTokens: 0, wallMs: 0, delegations: 0 };

/** Shares of a limit at which a warning goes out (once each); at 100 % the budget is exceeded. */
export const WARN_AT = [50, 80] as const;

/** Sampling results carry no usage: a token is taken for about four characters. */
export function tokensFor(chars: number): number {
  return Math.ceil(Math.max(0, chars) / 4);
}

/** The UTC date per-day budgets are kept under. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function limitsOf(settings: BudgetSettings, scope: BudgetScope): BudgetLimits {
  return scope === 'task' ? settings.perTask : settings.perDay;
}

export function hasLimits(settings: BudgetSettings): boolean {
  return [settings.perTask, settings.perDay].some((limits) => BUDGET_KINDS.some((kind) => limits[kind] !== undefined));
}

/** The limits in ledger units. */
export function capOf(limits: BudgetLimits): BudgetCap {
  return {
    ...(limits.tokens !== undefined ? { tokens: limits.tokens } : {}),
    ...(limits.wallSeconds !== undefined ? { wallMs: limits.wallSeconds * 1000 } : {}),
    ...(limits.delegations !== undefined ? { delegations: limits.delegations } : {}),
  };
}

/** What a scope has spent of a kind, in the kind's units. Tokens in flight count unless `settledOnly`. */
export function spentOf(spend: BudgetSpend, kind: BudgetKind, settledOnly = false): number {
  if (kind === 'wallSeconds') return spend.wallMs / 1000;
  if (kind === 'delegations') return spend.delegations;
  return settledOnly ? spend.tokens - spend.reservedTokens : spend.tokens;
}

const KIND_WORDS: Record<BudgetKind, string> = { tokens: 'token', wallSeconds: 'wall-time', delegations: 'delegation' };

/** "the per-task token budget" */
export function budgetName(scope: BudgetScope, kind: BudgetKind): string {
  return `the per-${scope} ${KIND_WORDS[kind]} budget`;
}

/** The config path of a budget, as details and log events name it: "perTask.tokens". */
export function budgetPath(scope: BudgetScope, kind: BudgetKind): string {
  return `${scope === 'task' ? 'perTask' : 'perDay'}.${kind}`;
}

/** "1,000 tokens", "90 s", "2 delegations" */
export function amount(kind: BudgetKind, value: number): string {
  if (kind === 'wallSeconds') return `${number(Math.round(value))} s`;
  const unit = kind === 'tokens' ? 'token' : 'delegation';
  return `${number(value)} ${unit}${value === 1 ? '' : 's'}`;
}

export function number(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** The scope with the least left of a budget, and how much. */
export interface Tightest {
  scope: BudgetScope;
  left: number;
  limit: number;
}

/** Of the task's and the day's limits of a kind, the one with the least left; undefined when neither is set. */
export function tightestOf(
  settings: BudgetSettings,
  spent: Readonly<Record<BudgetScope, BudgetSpend>>,
  kind: BudgetKind,
  uncountedWallMs: number,
): Tightest | undefined {
  const live = kind === 'wallSeconds' ? uncountedWallMs / 1000 : 0;
  let found: Tightest | undefined;
  for (const scope of ['task', 'day'] as const) {
    const limit = limitsOf(settings, scope)[kind];
    if (limit === undefined) continue;
    const rest = Math.max(0, limit - spentOf(spent[scope], kind) - live);
    const left = kind === 'wallSeconds' ? Math.floor(rest) : rest;
    if (found === undefined || left < found.left) found = { scope, left, limit };
  }
  return found;
}
