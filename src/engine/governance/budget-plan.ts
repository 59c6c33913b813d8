import { OrchestrateError } from '../../errors.js';
import type { ActionCatalogue } from '../catalogue.js';
import type { Step } from '../model.js';
import type { BudgetSpend } from './ports.js';
import { reached } from './budget-events.js';
import { amount, budgetName, budgetPath, number, spentOf, type BudgetKind, type BudgetSettings } from './limits.js';

/** What a plan is expected to spend: its steps' estimates, or their actions' defaults where the planner gave none. */
export function planEstimate(
  steps: ReadonlyArray<Pick<Step, 'action' | 'estimatedTokens'>>,
  catalogue: ActionCatalogue,
): { tokens: number; delegations: number } {
  let tokens = 0;
  let delegations = 0;
  for (const step of steps) {
    const estimate = catalogue.info(step.action)?.planner.estimate;
    tokens += step.estimatedTokens > 0 ? step.estimatedTokens : (estimate?.tokens ?? 0);
    delegations += estimate?.delegations ?? 0;
  }
  return { tokens, delegations };
}

/**
 * Refuses, with BUDGET_EXCEEDED naming the budget and the figures, a plan that cannot fit: its
 * estimate is more than a per-task limit or than what today has left, or a per-day budget is
 * already used up (its first step would stop at once).
 */
export function assertPlanFits(estimate: { tokens: number; delegations: number }, settings: BudgetSettings, today: BudgetSpend): void {
  for (const kind of ['tokens', 'delegations'] as const) {
    const perTask = settings.perTask[kind];
    if (perTask !== undefined && estimate[kind] > perTask) {
      refuse('task', kind, `${budgetName('task', kind)} is ${amount(kind, perTask)}; this plan estimates ${number(estimate[kind])}`, {
        limit: perTask,
        estimate: estimate[kind],
      });
    }
  }
  for (const kind of ['tokens', 'delegations', 'wallSeconds'] as const) {
    const perDay = settings.perDay[kind];
    if (perDay === undefined) continue;
    const spent = spentOf(today, kind);
    if (reached(spentOf(today, kind, true), perDay)) {
      refuse('day', kind, `${budgetName('day', kind)} of ${amount(kind, perDay)} is used up today (${amount(kind, spent)} spent)`, {
        limit: perDay,
        spent,
      });
    }
    const wanted = kind === 'wallSeconds' ? 0 : estimate[kind];
    const left = Math.max(0, perDay - spent);
    if (wanted > left) {
      refuse(
        'day',
        kind,
        `${budgetName('day', kind)} is ${amount(kind, perDay)} with ${number(left)} left today; this plan estimates ${number(wanted)}`,
        { limit: perDay, spent, estimate: wanted },
      );
    }
  }
}

/** What is left of one kind of budget for a running task: the tighter scope, or undefined when unlimited. */
export type LeftOf = (kind: BudgetKind) => { scope: 'task' | 'day'; left: number } | undefined;

/** Refuses, with BUDGET_EXCEEDED, corrective steps whose estimate is more than what is left of the running task's budgets. */
export function assertCorrectionFits(estimate: { tokens: number; delegations: number }, leftOf: LeftOf): void {
  for (const kind of ['tokens', 'delegations'] as const) {
    const tightest = leftOf(kind);
    if (tightest === undefined || estimate[kind] <= tightest.left) continue;
    const today = tightest.scope === 'day' ? ' today' : '';
    const text = `${budgetName(tightest.scope, kind)} has ${amount(kind, tightest.left)} left${today}; these steps estimate ${number(estimate[kind])}`;
    throw new OrchestrateError('BUDGET_EXCEEDED', `The corrective steps do not fit the budget: ${text}.`, {
      details: { budget: budgetPath(tightest.scope, kind), left: tightest.left, estimate: estimate[kind] },
      hint: 'Send fewer or cheaper corrective steps (or none).',
    });
  }
}

function refuse(scope: 'task' | 'day', kind: BudgetKind, text: string, details: Record<string, unknown>): never {
  throw new OrchestrateError('BUDGET_EXCEEDED', `The plan does not fit the budget: ${text}.`, {
    details: { budget: budgetPath(scope, kind), ...details },
    hint: 'Plan fewer or cheaper steps, or raise the budget in the config (budgets.perTask / budgets.perDay).',
  });
}
