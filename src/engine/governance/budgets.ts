import type { Logger } from 'pino';
import { isoNow } from '../../clock.js';
import { OrchestrateError } from '../../errors.js';
import type { ActionCatalogue } from '../catalogue.js';
import type { Step } from '../model.js';
import type { TaskStore } from '../ports.js';
import type { BudgetKey, BudgetSpend } from './ports.js';
import type { BudgetView } from '../views/schemas.js';
import { crossings, exceeded, systemAudit, type BudgetRun } from './budget-events.js';
import { assertCorrectionFits, assertPlanFits, planEstimate } from './budget-plan.js';
import { amountsOf, budgetView } from './budget-view.js';
import { amount, budgetName, budgetPath, capOf, hasLimits, NO_SPEND, spentOf, tokensFor, utcDate, type BudgetSettings } from './limits.js';
import { tokensUsed } from './metered.js';
import { TaskBudget, type BudgetDeps } from './task-budget.js';

export interface BudgetsDeps extends BudgetDeps {
  store: Pick<TaskStore, 'appendAudit'>;
  logger: Logger;
}

/** Today's spend against the per-day limits, and the limits of both scopes (`orchestrate://budgets`). */
export interface BudgetReport {
  date: string;
  limits: BudgetSettings;
  day: ReturnType<typeof amountsOf>;
  reservedTokens: number;
}

/**
 * The budgets of this server (config `budgets`): plan-time checks, decomposition spend, one
 * TaskBudget per task running here, and what `status` and the budgets resource show. Spend lives
 * in the ledger, so it survives restarts and is shared by every server on the database.
 */
export class Budgets {
  readonly #deps: BudgetsDeps;
  readonly #runs = new Map<string, TaskBudget>();

  constructor(deps: BudgetsDeps) {
    this.#deps = deps;
  }

  get settings(): BudgetSettings {
    return this.#deps.settings;
  }

  /** Whether any limit is set (without one, spend is still counted and shown). */
  get limited(): boolean {
    return hasLimits(this.#deps.settings);
  }

  /** The budget of a task running in this process, made when it first asks. */
  forRun(run: BudgetRun): TaskBudget {
    let budget = this.#runs.get(run.task.id);
    if (!budget) {
      budget = new TaskBudget(run, this.#deps);
      this.#runs.set(run.task.id, budget);
    }
    return budget;
  }

  /** The task stopped running here: its last wall time is counted. */
  async release(taskId: string): Promise<void> {
    const budget = this.#runs.get(taskId);
    this.#runs.delete(taskId);
    await budget?.countWallTime();
  }

  /** Refuses with BUDGET_EXCEEDED a plan that does not fit what is left. */
  async checkPlan(steps: readonly Step[], catalogue: ActionCatalogue): Promise<void> {
    if (!this.limited) return;
    const [today] = await this.#deps.ledger.read([this.#dayKey()]);
    assertPlanFits(planEstimate(steps, catalogue), this.#deps.settings, today ?? NO_SPEND);
  }

  /** Refuses with BUDGET_EXCEEDED corrective steps that do not fit what is left of a running task's budgets. */
  async checkCorrection(
    run: BudgetRun,
    steps: ReadonlyArray<Pick<Step, 'action' | 'estimatedTokens'>>,
    catalogue: ActionCatalogue,
  ): Promise<void> {
    if (!this.limited) return;
    const budget = this.forRun(run);
    await budget.countWallTime();
    assertCorrectionFits(planEstimate(steps, catalogue), (kind) => budget.tightest(kind));
  }

  /**
   * A decomposition request, made before its task exists: it counts toward today only. Reserves
   * `maxTokens` plus the prompt, then keeps the prompt plus the reply.
   */
  async meterPlanning(promptChars: number, maxTokens: number, sample: () => Promise<string>): Promise<string> {
    const { ledger, settings } = this.#deps;
    const key = this.#dayKey();
    const held = maxTokens + tokensFor(promptChars);
    const taken = await ledger.charge([{ key, cap: capOf(settings.perDay) }], { tokens: held, reservedTokens: held });
    if (!taken.ok) throw await this.#refusePlanning(key, held, taken.before[0] ?? NO_SPEND);
    let reply: string | undefined;
    let failure: unknown;
    try {
      reply = await sample();
      return reply;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const used = tokensUsed(promptChars, reply, failure);
      const settled = await ledger.charge([{ key }], { tokens: used - held, reservedTokens: -held });
      await this.#tellSystem(crossings('day', settings.perDay, settled.before[0] ?? NO_SPEND, settled.after[0] ?? NO_SPEND, key.key));
    }
  }

  /** A task's spend and today's, against the limits; wall time of a task running here counts to now. */
  async view(taskId: string): Promise<BudgetView> {
    const today = this.#dayKey();
    const [task, day] = await this.#deps.ledger.read([{ scope: 'task', key: taskId }, today]);
    const live = this.#runs.get(taskId)?.uncountedWallMs() ?? 0;
    return budgetView(this.#deps.settings, { task: task ?? NO_SPEND, day: day ?? NO_SPEND }, today.key, live);
  }

  async report(): Promise<BudgetReport> {
    const key = this.#dayKey();
    const [day] = await this.#deps.ledger.read([key]);
    const spend = day ?? NO_SPEND;
    return {
      date: key.key,
      limits: this.#deps.settings,
      day: amountsOf(spend, this.#deps.settings.perDay),
      reservedTokens: spend.reservedTokens,
    };
  }

  #dayKey(): BudgetKey {
    return { scope: 'day', key: utcDate(this.#deps.clock.now()) };
  }

  async #refusePlanning(key: BudgetKey, held: number, today: BudgetSpend): Promise<OrchestrateError> {
    const limit = this.#deps.settings.perDay.tokens ?? 0;
    const spent = spentOf(today, 'tokens');
    const text =
      `${budgetName('day', 'tokens')} of ${amount('tokens', limit)} has ${amount('tokens', Math.max(0, limit - spent))} left today; ` +
      `decomposing this request needs up to ${amount('tokens', held)}`;
    await this.#tellSystem([exceeded('day', 'tokens', limit, spent, key.key, text)]);
    return new OrchestrateError('BUDGET_EXCEEDED', `BUDGET_EXCEEDED: ${text}`, {
      details: { budget: budgetPath('day', 'tokens'), limit, spent, requested: held },
    });
  }

  async #tellSystem(events: ReturnType<typeof crossings>): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) this.#deps.logger.warn({ budget: budgetPath(event.scope, event.budget), date: event.date }, event.text);
    await this.#deps.store.appendAudit(systemAudit(events, isoNow(this.#deps.clock))).catch(() => {});
  }
}
