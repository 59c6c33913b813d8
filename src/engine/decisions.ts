/**
 * Decisions about a task that this process does not run: rejecting or cancelling it in the store,
 * leaving an answer to a step for the process that runs it, and approving a plan for whichever
 * server runs tasks on this database. The engine uses these for tasks run elsewhere; the command
 * line uses them with nothing running at all. A process running the task sees each of them within
 * a second (see Engine.start).
 */
import { OrchestrateError } from '../errors.js';
import { CONFIRM_DECISIONS, INTERRUPTED_DECISIONS, isTerminalPhase, isTerminalStepState, nextRun, type Actor, type Task } from './model.js';
import type { TaskStore } from './ports.js';
import { INTERRUPTED } from './run/interrupted.js';
import type { StepAnswer } from './run/task-run.js';
import type { Writer } from './run/writer.js';

/** Who decided, in their words, and through what (the audit's source: "approve tool", "web view", …). */
export interface Decision {
  actor: Actor;
  comment?: string;
  via?: string;
}

export interface DecisionDeps {
  store: TaskStore;
  writer: Writer;
}

type AuditDrafts = NonNullable<Parameters<Writer['commit']>[1]['audit']>;

export function decided(decision: Decision): { actor: Actor; comment?: string; source?: string } {
  return {
    actor: decision.actor,
    ...(decision.comment ? { comment: decision.comment } : {}),
    ...(decision.via ? { source: decision.via } : {}),
  };
}

export function notFound(taskId: string): OrchestrateError {
  return new OrchestrateError('TASK_NOT_FOUND', `No task has id ${taskId}.`, { details: { taskId } });
}

/** Refuses to approve or reject a task that no longer awaits approval, or whose plan is not the one the approver saw. */
export function assertApprovable(task: Task, verb: string, planHash?: string): void {
  if (task.phase !== 'awaiting_approval') {
    throw new OrchestrateError('INVALID_TRANSITION', `Task ${task.id} is ${task.phase}; only a task awaiting approval can be ${verb}.`, {
      details: { taskId: task.id, phase: task.phase },
    });
  }
  if (planHash !== undefined && planHash !== task.planHash) {
    throw new OrchestrateError('PLAN_CHANGED', `The plan of task ${task.id} is ${task.planHash}, not ${planHash}.`, {
      details: { taskId: task.id, planHash: task.planHash },
    });
  }
}

/** Ends a task cancelled in the store: its unfinished steps become cancelled with `reason`. */
export async function endTask(deps: DecisionDeps, task: Task, reason: string, audit: AuditDrafts): Promise<Task> {
  const at = deps.writer.now();
  const steps = [...task.runs]
    .filter(([, run]) => !isTerminalStepState(run.state))
    .map(([id, run]) => [id, nextRun(run, { state: 'cancelled', reason, finishedAt: at })] as const);
  await deps.writer.commit(task, { steps, phases: ['cancelled'], audit });
  return task;
}

/** Leaves an answer for a step that waits for one, for the process that runs (or will resume) the task. */
export async function postStepAnswer(deps: DecisionDeps, task: Task, stepId: string, answer: StepAnswer): Promise<void> {
  const run = task.runs.get(stepId);
  if (!run)
    throw new OrchestrateError('STEP_NOT_FOUND', `Task ${task.id} has no step ${stepId}.`, { details: { taskId: task.id, stepId } });
  if (run.state !== 'awaiting_confirmation' || isTerminalPhase(task.phase)) {
    throw new OrchestrateError('INVALID_TRANSITION', `Step ${stepId} is ${run.state}, not awaiting confirmation.`, {
      details: { taskId: task.id, stepId, state: run.state },
    });
  }
  const interrupted = run.reason === INTERRUPTED;
  const fits = ((interrupted ? INTERRUPTED_DECISIONS : CONFIRM_DECISIONS) as readonly string[]).includes(answer.decision);
  if (!fits) {
    const expected = interrupted ? 'was interrupted: answer retry, done or fail' : 'asks for a confirmation: approve or reject it';
    throw new OrchestrateError('INVALID_ARGUMENT', `Step ${stepId} ${expected}.`, {
      details: { taskId: task.id, stepId, field: 'decision', interrupted },
    });
  }
  await deps.store.postAnswer(task.id, stepId, answer, deps.writer.now());
}

/** The decisions of a process that runs no task: the command line. */
export class StoredDecisions {
  readonly #deps: DecisionDeps;
  readonly #owner: string;

  /** `owner` names this process while it holds a task for the instant of approving it. */
  constructor(deps: DecisionDeps, owner: string) {
    this.#deps = deps;
    this.#owner = owner;
  }

  async load(taskId: string): Promise<Task> {
    const task = await this.#deps.store.loadTask(taskId);
    if (!task) throw notFound(taskId);
    return task;
  }

  /**
   * Approves a plan and leaves it ownerless, so a server on this database adopts and runs it
   * (within seconds when one runs; else at the next start). Of several approvals at once, one wins.
   */
  async approve(taskId: string, decision: Decision & { planHash?: string }): Promise<Task> {
    const task = await this.load(taskId);
    assertApprovable(task, 'approved', decision.planHash);
    const audit = [{ ...decided(decision), kind: 'plan_approved' as const, details: { planHash: task.planHash } }];
    if (!(await this.#deps.writer.claim(task, this.#owner, audit))) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} was just approved elsewhere.`, { details: { taskId } });
    }
    await this.#deps.store.release(taskId, this.#owner);
    return task;
  }

  async reject(taskId: string, decision: Decision & { reason: string }): Promise<Task> {
    const task = await this.load(taskId);
    assertApprovable(task, 'rejected');
    return endTask(this.#deps, task, decision.reason, [
      { ...decided(decision), comment: decision.comment ?? decision.reason, kind: 'plan_rejected' },
    ]);
  }

  /** Cancels an unfinished task; the process running it stops its steps within a second. An ended task is left as it is. */
  async cancel(taskId: string, decision: Decision & { reason: string }): Promise<Task> {
    const task = await this.load(taskId);
    if (isTerminalPhase(task.phase)) return task;
    return endTask(this.#deps, task, decision.reason, [{ ...decided(decision), comment: decision.reason, kind: 'cancelled' }]);
  }

  async answerStep(taskId: string, stepId: string, answer: StepAnswer): Promise<Task> {
    const task = await this.load(taskId);
    await postStepAnswer(this.#deps, task, stepId, answer);
    return task;
  }
}
