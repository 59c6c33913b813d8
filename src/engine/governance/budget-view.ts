import type { BudgetSpend } from './ports.js';
import type { BudgetAmounts, BudgetView } from '../views/schemas.js';
import { BUDGET_KINDS, spentOf, type BudgetLimits, type BudgetSettings } from './limits.js';

/** Spend of one scope against its limits; tokens still reserved by requests in flight count as not left. */
export function amountsOf(spend: BudgetSpend, limits: BudgetLimits, uncountedWallMs = 0): BudgetAmounts {
  const shown = { ...spend, wallMs: spend.wallMs + uncountedWallMs };
  const entries = BUDGET_KINDS.map((kind) => {
    const spent = round(spentOf(shown, kind, true));
    const limit = limits[kind];
    if (limit === undefined) return [kind, { spent }] as const;
    return [kind, { spent, limit, left: round(Math.max(0, limit - spentOf(shown, kind))) }] as const;
  });
  return Object.fromEntries(entries) as BudgetAmounts;
}

/** What `status` shows of a task's budgets: the task's spend and today's, each against its limits. */
export function budgetView(
  settings: BudgetSettings,
  spend: { task: BudgetSpend; day: BudgetSpend },
  date: string,
  uncountedWallMs: number,
): BudgetView {
  return {
    task: { ...amountsOf(spend.task, settings.perTask, uncountedWallMs), reservedTokens: spend.task.reservedTokens },
    day: { date, ...amountsOf(spend.day, settings.perDay) },
  };
}

/** Seconds to a tenth, tokens and delegations whole. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}
