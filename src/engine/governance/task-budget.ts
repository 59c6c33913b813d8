import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { errorMessage, OrchestrateError } from '../../errors.js';
import type { BudgetKey, BudgetLeft, BudgetLedger, BudgetSpend } from './ports.js';
import { announceToTask, crossings, exceeded, reached, type BudgetEvent, type BudgetRun } from './budget-events.js';
import {
  amount,
  BUDGET_KINDS,
  budgetName,
  budgetPath,
  capOf,
  limitsOf,
  NO_SPEND,
  spentOf,
  tightestOf,
  utcDate,
  type Tightest,
  type BudgetKind,
  type BudgetScope,
  type BudgetSettings,
} from './limits.js';

export interface BudgetDeps {
  ledger: BudgetLedger;
  settings: BudgetSettings;
  clock: Clock;
  logger: Logger;
}

/** Tokens held for a sampling request in flight, on the scopes they were taken from. */
export interface Hold {
  tokens: number;
  keys: readonly BudgetKey[];
}

/** Wall time is written to the ledger in batches of at least this much (checks may see it this late). */
const WALL_BATCH_MS = 1_000;

type Charged = { ok: boolean; before: BudgetSpend[]; after: BudgetSpend[] };

/**
 * The budgets of one running task: its own and today's. Charges go to both scopes in one write;
 * wall time is the time since the task started running here, counted at each check. Once a budget
 * is used up (or a request was refused for lack of it) the task stops: `check` says why.
 */
export class TaskBudget {
  readonly #run: BudgetRun;
  readonly #deps: BudgetDeps;
  #wallFrom: number;
  #date: string;
  #spent: { task: BudgetSpend; day: BudgetSpend } = { task: NO_SPEND, day: NO_SPEND };
  #stop: string | undefined;
  /** Events already told, so each goes out once: "task:tokens:80". */
  readonly #told = new Set<string>();

  constructor(run: BudgetRun, deps: BudgetDeps) {
    this.#run = run;
    this.#deps = deps;
    const now = deps.clock.now();
    this.#wallFrom = now.getTime();
    this.#date = utcDate(now);
  }

  /** Counts the wall time so far; says why the task must stop now, when a budget is used up. */
  async check(): Promise<string | undefined> {
    await this.#chargeWall();
    if (this.#stop) return this.#stop;
    for (const scope of ['task', 'day'] as const) {
      for (const kind of BUDGET_KINDS) {
        const limit = limitsOf(this.#deps.settings, scope)[kind];
        const spent = spentOf(this.#spent[scope], kind, true);
        if (limit === undefined || !reached(spent, limit)) continue;
        const event = exceeded(scope, kind, limit, spent, this.#date);
        await this.#tell([event]);
        this.#stop = `budget exceeded: ${event.text}`;
        return this.#stop;
      }
    }
    return undefined;
  }

  /** Takes `tokens` before a sampling request; rejects with BUDGET_EXCEEDED when a token budget has not that much left. */
  async reserve(tokens: number): Promise<Hold> {
    await this.#chargeWall();
    const keys = this.#keys();
    const charged = await this.#charge(keys, { tokens, reservedTokens: tokens }, true);
    if (!charged.ok) throw await this.#refuse('tokens', tokens, 'sampling request');
    return { tokens, keys };
  }

  /** A request came back (or failed): keep what it used, give back the rest. */
  async settle(hold: Hold, used: number): Promise<void> {
    try {
      await this.#charge(hold.keys, { tokens: used - hold.tokens, reservedTokens: -hold.tokens }, false);
    } catch (error) {
      // The reservation stays counted: the budget errs on the safe side.
      this.#deps.logger.warn({ taskId: this.#run.task.id, err: errorMessage(error) }, 'could not settle a token reservation');
    }
  }

  /**
   * Use a plugin reports. Delegations are counted before the run they pay for, so one that does
   * not fit is refused and not counted; tokens were already used, so they always count.
   */
  async spend(use: { tokens?: number; delegations?: number }): Promise<void> {
    const keys = this.#keys();
    const delegations = whole(use.delegations);
    if (delegations > 0 && !(await this.#charge(keys, { delegations }, true)).ok) {
      throw await this.#refuse('delegations', delegations, 'delegation');
    }
    const tokens = whole(use.tokens);
    if (tokens === 0) return;
    await this.#charge(keys, { tokens }, false);
    for (const scope of ['task', 'day'] as const) {
      const limit = limitsOf(this.#deps.settings, scope).tokens;
      const spent = spentOf(this.#spent[scope], 'tokens', true);
      if (limit === undefined || !reached(spent, limit)) continue;
      const { text } = exceeded(scope, 'tokens', limit, spent, this.#date);
      this.#stop ??= `budget exceeded: ${text}`;
      throw new OrchestrateError('BUDGET_EXCEEDED', `BUDGET_EXCEEDED: ${text}`, {
        details: { budget: budgetPath(scope, 'tokens'), limit, spent },
      });
    }
  }

  /** What is left of each budget (the tighter of the task's and the day's); undefined is unlimited. */
  remaining(): BudgetLeft {
    const left: BudgetLeft = {};
    for (const kind of BUDGET_KINDS) {
      const tightest = this.tightest(kind);
      if (tightest) left[kind] = tightest.left;
    }
    return left;
  }

  /** The scope with the least left of a kind (wall time counted to now), or undefined when neither limits it. */
  tightest(kind: BudgetKind): Tightest | undefined {
    return tightestOf(this.#deps.settings, this.#spent, kind, this.uncountedWallMs());
  }

  /** Wall time not yet counted, in ms (for a view of the task while it runs). */
  uncountedWallMs(): number {
    return Math.max(0, this.#deps.clock.now().getTime() - this.#wallFrom);
  }

  /**
   * For a task taken over from a server that stopped: tokens its requests held when it stopped are
   * given back, since those requests will never settle (today's hold only when today holds as much).
   */
  async releaseStaleHolds(): Promise<void> {
    const keys = this.#keys();
    const [task, day] = await this.#deps.ledger.read(keys);
    const held = task?.reservedTokens ?? 0;
    if (held <= 0) return;
    const scopes = (day?.reservedTokens ?? 0) >= held ? keys : keys.slice(0, 1);
    await this.#charge(scopes, { tokens: -held, reservedTokens: -held }, false);
  }

  /** Counts the wall time so far (so what is left is current; and when the task stops running here). */
  countWallTime(): Promise<void> {
    return this.#chargeWall(true);
  }

  /** Stores the wall time run up since the last count; unless forced, only once a second has gathered (one write, not one per step). */
  async #chargeWall(force = false): Promise<void> {
    const now = this.#deps.clock.now().getTime();
    const wallMs = Math.max(0, now - this.#wallFrom);
    if (!force && wallMs < WALL_BATCH_MS) return;
    this.#wallFrom = now;
    await this.#charge(this.#keys(), { wallMs }, false);
  }

  #keys(): BudgetKey[] {
    const date = utcDate(this.#deps.clock.now());
    if (date !== this.#date) {
      this.#date = date;
      this.#spent = { ...this.#spent, day: NO_SPEND };
    }
    return [
      { scope: 'task', key: this.#run.task.id },
      { scope: 'day', key: date },
    ];
  }

  async #charge(keys: readonly BudgetKey[], charge: Partial<BudgetSpend>, capped: boolean): Promise<Charged> {
    const { settings, ledger } = this.#deps;
    const entries = keys.map((key) => ({ key, ...(capped ? { cap: capOf(limitsOf(settings, key.scope)) } : {}) }));
    const charged = await ledger.charge(entries, charge);
    const [task, day] = charged.ok ? charged.after : charged.before;
    if (keys[0]?.scope === 'task' && task) this.#spent.task = task;
    if (keys[1]?.key === this.#date && day) this.#spent.day = day;
    if (charged.ok && charged.before.length === 2) {
      const [taskBefore, dayBefore] = charged.before as [BudgetSpend, BudgetSpend];
      const [taskAfter, dayAfter] = charged.after as [BudgetSpend, BudgetSpend];
      await this.#tell([
        ...crossings('task', settings.perTask, taskBefore, taskAfter, this.#date),
        ...crossings('day', settings.perDay, dayBefore, dayAfter, keys[1]?.key ?? this.#date),
      ]);
    }
    return charged;
  }

  /** The refusal of a request that does not fit, told once, and the task stops at its next step. */
  async #refuse(kind: BudgetKind, requested: number, what: string): Promise<OrchestrateError> {
    const scope: BudgetScope = this.#fits('task', kind, requested) ? 'day' : 'task';
    const limit = limitsOf(this.#deps.settings, scope)[kind] ?? 0;
    const spent = spentOf(this.#spent[scope], kind);
    const left = Math.max(0, limit - spent);
    const today = scope === 'day' ? ' today' : '';
    const text = `${budgetName(scope, kind)} of ${amount(kind, limit)} has ${amount(kind, left)} left${today}; this ${what} needs up to ${amount(kind, requested)}`;
    await this.#tell([exceeded(scope, kind, limit, spent, this.#date, text)]);
    this.#stop ??= `budget exceeded: ${text}`;
    return new OrchestrateError('BUDGET_EXCEEDED', `BUDGET_EXCEEDED: ${text}`, {
      details: { budget: budgetPath(scope, kind), limit, spent, requested },
    });
  }

  #fits(scope: BudgetScope, kind: BudgetKind, requested: number): boolean {
    const limit = limitsOf(this.#deps.settings, scope)[kind];
    return limit === undefined || spentOf(this.#spent[scope], kind) + requested <= limit;
  }

  async #tell(events: readonly BudgetEvent[]): Promise<void> {
    const fresh = events.filter((event) => !this.#told.has(`${event.scope}:${event.budget}:${event.percent}`));
    for (const event of fresh) this.#told.add(`${event.scope}:${event.budget}:${event.percent}`);
    // Telling is best effort: a lost warning must not lose the answer it came with.
    await announceToTask(this.#run, fresh).catch((error: unknown) =>
      this.#deps.logger.warn({ taskId: this.#run.task.id, err: errorMessage(error) }, 'could not tell a budget event'),
    );
  }
}

function whole(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}
