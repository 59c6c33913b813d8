import type { Engine } from '../engine/engine.js';
import { isTerminalPhase, PHASES, type Phase, type Task } from '../engine/model.js';
import type { AttemptRow, PhaseRow, StoredAuditRecord, TaskSummary } from '../engine/ports.js';
import { STEP_DECISIONS, type StepDecision } from '../engine/run/task-run.js';
import type { TaskView } from '../engine/views/view.js';
import { rejectPlan } from '../approval/plan-form.js';
import { OrchestrateError } from '../errors.js';

/*
 * The web view's only door to the engine. Routes, the event stream and the pages speak to
 * `Operator`; `engineOperator` is the one place that knows how the engine does each thing.
 */

export type TaskListItem = TaskSummary;
export { PHASES, STEP_DECISIONS, type Phase, type PhaseRow, type TaskView };
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
}

export type AuditEntry = StoredAuditRecord;

export interface TaskAudit {
  taskId: string;
  phases: PhaseRow[];
  attempts: AttemptRow[];
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
  answerStep(taskId: string, stepId: string, decision: StepDecision): Promise<Decided>;
  /** Calls `listener` with the task's id whenever anything about a task changes; returns the unsubscribe. */
  onChange(listener: (taskId: string) => void): () => void;
}

const BY_PERSON = 'by a person in the web view';
/** Every decision taken here is a person's, made in the web view. */
const PERSON = { actor: 'human', via: 'web view' } as const;

/** The Operator over the engine. Decisions are recorded in the task's audit as the human's. */
export function engineOperator(engine: Engine): Operator {
  const mask = <T>(value: T): T => engine.masker.maskDeep(value);
  const decided = (task: Task): Decided => ({ taskId: task.id, phase: task.phase });
  const withWhy = (what: string, why: string | undefined): string => (why ? `${what} ${BY_PERSON}: ${why}` : `${what} ${BY_PERSON}`);
  const comment = (text: string | undefined) => (text ? { comment: text } : {});

  return {
    async list(query) {
      return mask(await engine.list(query));
    },
    async view(taskId) {
      const { task } = await engine.get(taskId);
      const view: WebTaskView = await engine.view(taskId, { full: true });
      if (task.context.workdir !== undefined) view.workdir = task.context.workdir;
      return mask(view);
    },
    async audit(taskId) {
      const { phases, attempts, entries } = await engine.audit(taskId);
      return mask({ taskId, phases, attempts, entries });
    },
    async approve(taskId, { planHash, comment: text }) {
      return decided(await engine.approve(taskId, { ...(planHash ? { planHash } : {}), ...PERSON, ...comment(text) }));
    },
    async reject(taskId, text) {
      return decided(await rejectPlan(engine, taskId, { reason: withWhy('plan rejected', text), ...PERSON, ...comment(text) }));
    },
    async cancel(taskId, reason) {
      const { task: current } = await engine.get(taskId);
      if (isTerminalPhase(current.phase)) {
        throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${current.phase}; it has already ended.`, {
          details: { taskId, phase: current.phase },
        });
      }
      return decided(await engine.cancel(taskId, { reason: withWhy('cancelled', reason), ...PERSON }));
    },
    async answerStep(taskId, stepId, decision) {
      return decided(await engine.answerStep(taskId, stepId, { decision, ...PERSON }));
    },
    onChange(listener) {
      const onTask = (task: Task): void => listener(task.id);
      engine.events.on('change', onTask);
      return () => {
        engine.events.off('change', onTask);
      };
    },
  };
}
