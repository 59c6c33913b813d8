import { detachedChannel } from '../engine/channel.js';
import type { Engine } from '../engine/engine.js';
import { isTerminalPhase, PHASES, type Phase, type Task } from '../engine/model.js';
import type { TaskView } from '../engine/view.js';
import { rejectPlan } from '../approval/plan-form.js';
import { OrchestrateError } from '../errors.js';
import { readAudit } from '../resources/read.js';
import type { AuditKind } from '../store/audit-entry.js';
import type { PhaseRow, StoredAuditEntry, TaskListItem } from '../store/task-store.js';

/*
 * The web view's only door to the engine. Routes, the event stream and the pages speak to
 * `Operator`; `engineOperator` is the one place that knows how today's engine does each thing.
 */

export { PHASES, type Phase, type PhaseRow, type TaskListItem, type TaskView };
export type StepView = TaskView['steps'][number];

export interface TaskQuery {
  /** Only tasks in these phases; all tasks when absent. */
  phases?: readonly Phase[];
  limit: number;
  offset: number;
}

/** A task as the web view shows it: the full TaskView, plus what the page needs beside it. */
export interface WebTaskView extends TaskView {
  /** Where the steps run. */
  workdir?: string;
  /** Limits and use, when the engine tracks them; absent today. */
  budget?: Record<string, unknown>;
}

export type AuditEntry = Omit<StoredAuditEntry, 'taskId' | 'chain'>;

export interface TaskAudit {
  taskId: string;
  phases: PhaseRow[];
  entries: AuditEntry[];
}

/** The task after a decision. */
export interface Decided {
  taskId: string;
  phase: Phase;
}

export interface Operator {
  list(query: TaskQuery): Promise<{ items: TaskListItem[]; total: number }>;
  /** Every step, every field whole (callers cap what they send). Rejects with TASK_NOT_FOUND. */
  view(taskId: string): Promise<WebTaskView>;
  audit(taskId: string): Promise<TaskAudit>;
  approve(taskId: string, options: { planHash?: string; comment?: string }): Promise<Decided>;
  reject(taskId: string, comment?: string): Promise<Decided>;
  /** Rejects with INVALID_TRANSITION when the task has already ended. */
  cancel(taskId: string, reason?: string): Promise<Decided>;
  answerStep(taskId: string, stepId: string, decision: 'approve' | 'reject'): Promise<Decided>;
  /** Calls `listener` with the task's id whenever anything about a task changes; returns the unsubscribe. */
  onChange(listener: (taskId: string) => void): () => void;
}

/** How many rows one scan of the task list reads while filtering by phase. */
const SCAN_PAGE = 500;
const BY_PERSON = 'by a person in the web view';

/** The Operator over today's Engine. Decisions are recorded in the task's audit as the human's. */
export function engineOperator(engine: Engine): Operator {
  const mask = <T>(value: T): T => engine.masker.maskDeep(value);
  const decided = (task: Task): Decided => ({ taskId: task.id, phase: task.phase });
  const record = (taskId: string, kind: AuditKind, decision: string, action: string, stepId?: string): void => {
    const { task } = engine.get(taskId);
    const tier = stepId === undefined ? 'read' : (task.steps.find((s) => s.id === stepId)?.tier ?? 'read');
    engine.ctx.store.appendAudit({
      taskId,
      ...(stepId === undefined ? {} : { stepId }),
      ts: engine.recorder.now(),
      actor: 'human',
      kind,
      ...(action ? { comment: engine.masker.mask(action) } : {}),
      source: 'web view',
      request: task.request,
      decision,
      action: engine.masker.mask(action),
      tier,
      outcome: 'success',
    });
  };
  const withWhy = (what: string, why: string | undefined): string => (why ? `${what} ${BY_PERSON}: ${why}` : `${what} ${BY_PERSON}`);

  return {
    async list(query) {
      if (!query.phases) return mask(engine.list(query.limit, query.offset));
      return mask(filterByPhase(engine, new Set(query.phases), query.limit, query.offset));
    },
    async view(taskId) {
      const { task } = engine.get(taskId);
      const view: WebTaskView = engine.view(taskId, { full: true });
      if (task.context.workdir !== undefined) view.workdir = task.context.workdir;
      return mask(view);
    },
    async audit(taskId) {
      engine.get(taskId);
      const { phases, entries } = readAudit(engine, `orchestrate://tasks/${taskId}/audit`, taskId);
      return mask({ taskId, phases, entries });
    },
    async approve(taskId, { planHash, comment }) {
      const task = engine.approve(taskId, planHash, detachedChannel);
      record(taskId, 'plan_approved', `plan approved ${BY_PERSON}`, comment ?? '');
      return decided(task);
    },
    async reject(taskId, comment) {
      const task = rejectPlan(engine, taskId, withWhy('plan rejected', comment));
      record(taskId, 'plan_rejected', `plan rejected ${BY_PERSON}`, comment ?? '');
      return decided(task);
    },
    async cancel(taskId, reason) {
      const { task: current } = engine.get(taskId);
      if (isTerminalPhase(current.phase)) {
        throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${current.phase}; it has already ended.`, {
          details: { taskId, phase: current.phase },
        });
      }
      const task = engine.cancel(taskId, withWhy('cancelled', reason));
      record(taskId, 'cancelled', `task cancelled ${BY_PERSON}`, reason ?? '');
      return decided(task);
    },
    async answerStep(taskId, stepId, decision) {
      const task = engine.confirmStep(taskId, stepId, decision === 'approve');
      record(
        taskId,
        decision === 'approve' ? 'step_confirmed' : 'step_refused',
        `step ${decision === 'approve' ? 'confirmed' : 'refused'} ${BY_PERSON}`,
        '',
        stepId,
      );
      return decided(task);
    },
    onChange(listener) {
      const onTask = (task: Task): void => listener(task.id);
      engine.recorder.on('change', onTask);
      return () => {
        engine.recorder.off('change', onTask);
      };
    },
  };
}

/** Today's store lists all tasks only, newest first; the phase filter reads the list in pages. */
function filterByPhase(engine: Engine, phases: ReadonlySet<Phase>, limit: number, offset: number) {
  const items: TaskListItem[] = [];
  let total = 0;
  for (let at = 0; ; at += SCAN_PAGE) {
    const page = engine.list(SCAN_PAGE, at);
    for (const item of page.items) {
      if (!phases.has(item.phase)) continue;
      if (total >= offset && items.length < limit) items.push(item);
      total += 1;
    }
    if (page.items.length < SCAN_PAGE) return { items, total };
  }
}
