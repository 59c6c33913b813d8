/**
 * Budget warnings (50 % and 80 % of a limit) and budget exceeded events: which a charge crossed,
 * and how they are told — a warning log notification on the task's channel and an audit entry
 * (actor `system`) in the task's chain, or in the system chain for spend outside any task.
 */
import type { ClientChannel } from '../channel.js';
import type { Task } from '../model.js';
import type { AuditRecord, Committed } from '../ports.js';
import type { BudgetSpend } from './ports.js';
import type { Change } from '../run/writer.js';
import {
  amount,
  BUDGET_KINDS,
  budgetName,
  budgetPath,
  number,
  spentOf,
  WARN_AT,
  type BudgetKind,
  type BudgetLimits,
  type BudgetScope,
} from './limits.js';

export interface BudgetEvent {
  kind: 'budget_warning' | 'budget_exceeded';
  scope: BudgetScope;
  budget: BudgetKind;
  limit: number;
  spent: number;
  /** 50 or 80 for warnings, 100 when exceeded. */
  percent: number;
  /** The UTC day, for per-day budgets. */
  date?: string;
  text: string;
}

/** What budget events need of a running task. */
export interface BudgetRun {
  readonly task: Task;
  readonly channel: ClientChannel;
  commit(change: Change): Promise<Committed>;
}

/** Whether spend has reached a limit. A limit of 0 allows nothing: any spend passes it. */
export function reached(spent: number, limit: number): boolean {
  return limit > 0 ? spent >= limit : spent > 0;
}

/** The thresholds settled spend crossed between `before` and `after`, lowest first. */
export function crossings(scope: BudgetScope, limits: BudgetLimits, before: BudgetSpend, after: BudgetSpend, date: string): BudgetEvent[] {
  const events: BudgetEvent[] = [];
  for (const kind of BUDGET_KINDS) {
    const limit = limits[kind];
    if (limit === undefined) continue;
    const was = spentOf(before, kind, true);
    const now = spentOf(after, kind, true);
    if (now <= was) continue;
    for (const percent of WARN_AT) {
      const mark = (limit * percent) / 100;
      if (limit > 0 && was < mark && now >= mark) events.push(warning(scope, kind, limit, now, percent, date));
    }
    if (!reached(was, limit) && reached(now, limit)) events.push(exceeded(scope, kind, limit, now, date));
  }
  return events;
}

export function warning(scope: BudgetScope, kind: BudgetKind, limit: number, spent: number, percent: number, date: string): BudgetEvent {
  const text = `${percent} % of ${budgetName(scope, kind)} is spent (${number(spent)} of ${amount(kind, limit)}${today(scope)})`;
  return { kind: 'budget_warning', scope, budget: kind, limit, spent, percent, ...(scope === 'day' ? { date } : {}), text };
}

export function exceeded(scope: BudgetScope, kind: BudgetKind, limit: number, spent: number, date: string, text?: string): BudgetEvent {
  return {
    kind: 'budget_exceeded',
    scope,
    budget: kind,
    limit,
    spent,
    percent: 100,
    ...(scope === 'day' ? { date } : {}),
    text: text ?? `${budgetName(scope, kind)} of ${amount(kind, limit)} is used up (${amount(kind, spent)} spent${today(scope)})`,
  };
}

function today(scope: BudgetScope): string {
  return scope === 'day' ? ' today' : '';
}

/** Tells the task's client and writes the events to the task's audit chain. */
export async function announceToTask(run: BudgetRun, events: readonly BudgetEvent[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) run.channel.log('warning', { event: event.kind, taskId: run.task.id, ...fields(event), message: event.text });
  await run.commit({ audit: events.map((event) => ({ actor: 'system', kind: event.kind, comment: event.text, details: fields(event) })) });
}

/** Events of spend outside any task (decomposing a request): the system audit chain. */
export function systemAudit(events: readonly BudgetEvent[], ts: string): AuditRecord[] {
  return events.map((event) => ({ ts, actor: 'system', kind: event.kind, comment: event.text, details: fields(event) }));
}

function fields(event: BudgetEvent): Record<string, unknown> {
  return {
    budget: budgetPath(event.scope, event.budget),
    percent: event.percent,
    spent: event.spent,
    limit: event.limit,
    ...(event.date ? { date: event.date } : {}),
  };
}
