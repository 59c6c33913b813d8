import { setMaxListeners } from 'node:events';
import { OrchestrateError } from '../../errors.js';
import type { ClientChannel } from '../channel.js';
import { TaskGraph } from '../graph.js';
import {
  CONFIRM_DECISIONS,
  INTERRUPTED_DECISIONS,
  isTerminalPhase,
  isTerminalStepState,
  nextRun,
  type Actor,
  type Phase,
  type Step,
  type StepRun,
  type Task,
} from '../model.js';
import type { Committed } from '../ports.js';
import type { RunDeps } from './deps.js';
import { Readiness } from './readiness.js';
import type { AuditDraft, Change } from './writer.js';

/** A pending answer from a human or the calling model. */
export interface Waiter<T> {
  resolve(value: T): void;
}

/** Corrective steps from the calling model, and the call back once they are applied. */
export interface HostReplan {
  steps: Step[];
  applied: () => void;
}

/**
 * A person's (or the model's) word on a step waiting for one: approve or reject a confirmation;
 * retry, done or fail a step that was interrupted by a stop of the server.
 */
export const STEP_DECISIONS = [...CONFIRM_DECISIONS, ...INTERRUPTED_DECISIONS] as const;
export type StepDecision = (typeof STEP_DECISIONS)[number];

/** How a step confirmation was answered, and by whom. */
export interface StepAnswer {
  decision: StepDecision;
  actor: Actor;
  comment?: string;
  /** Through what the answer came (the audit's source). */
  via?: string;
}

/**
 * One running task and everything about running it: the task, its graph, which steps are ready,
 * the waits for human answers and corrective plans, and the switch that aborts its work. It is the
 * one owner of the task while it runs; every change of task or step state goes through the writer.
 * A TaskRun can be rebuilt from the store alone.
 */
export class TaskRun {
  readonly task: Task;
  readonly channel: ClientChannel;
  readonly #deps: RunDeps;
  readonly #abort = new AbortController();
  readonly #readiness = new Readiness();
  readonly #confirmations = new Map<string, Waiter<StepAnswer>>();
  #graph: TaskGraph;
  #replanWaiter: Waiter<HostReplan> | undefined;
  #nextStepNumber: number;
  #suspended = false;
  /** Settles when the run has ended (set by whoever starts it). */
  done: Promise<void> = Promise.resolve();

  constructor(task: Task, channel: ClientChannel, deps: RunDeps) {
    this.task = task;
    this.channel = channel;
    this.#deps = deps;
    this.#graph = TaskGraph.from(task.steps);
    this.#nextStepNumber = nextNumber(task.steps);
    // Every running step and wait listens on the task's signal; that many listeners is expected.
    setMaxListeners(0, this.#abort.signal);
    this.#readiness.track(task, task.steps);
  }

  /** Rebuilds the run of a stored task; undefined when there is no such task. */
  static async load(taskId: string, channel: ClientChannel, deps: RunDeps): Promise<TaskRun | undefined> {
    const task = await deps.store.loadTask(taskId);
    return task ? new TaskRun(task, channel, deps) : undefined;
  }

  get graph(): TaskGraph {
    return this.#graph;
  }

  /** Aborted when the task is cancelled, ended elsewhere, or the server stops running it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get deps(): RunDeps {
    return this.#deps;
  }

  step(stepId: string): Step {
    return this.#graph.step(stepId);
  }

  run(stepId: string): StepRun | undefined {
    return this.task.runs.get(stepId);
  }

  /* ---- state changes, all through the writer ---- */

  async commit(change: Change): Promise<Committed> {
    // A suspended run writes nothing more: the store keeps the task as it was for the next owner.
    if (this.#suspended) return { steps: [], phases: [] };
    // Object.assign, not a spread: see nextRun.
    const committed = await this.#deps.writer.commit(this.task, Object.assign({}, change, { owner: this.#deps.settings.ownerId }));
    if (committed.fenced) this.lostOwnership();
    return committed;
  }

  /** Another process owns the task now (it took it for dead): stop here and leave it to that one. */
  lostOwnership(): void {
    if (this.#suspended) return;
    this.#deps.logger.warn({ taskId: this.task.id }, 'another process took over this task; stopping its work here');
    this.suspend(new Error('another server process took over this task'));
  }

  async setStep(stepId: string, run: StepRun, audit: readonly AuditDraft[] = []): Promise<boolean> {
    const { steps } = await this.commit({ steps: [[stepId, run]], audit });
    return steps.includes(stepId);
  }

  async enter(...phases: Phase[]): Promise<boolean> {
    const committed = await this.commit({ phases });
    return committed.phases.length === phases.length;
  }

  /* ---- scheduling ---- */

  takeWave(): string[] {
    return this.#readiness.takeWave(this.task, this.#graph);
  }

  /** A step completed: its dependents may become ready. */
  released(stepId: string): void {
    this.#readiness.release(this.task, this.#graph, stepId);
  }

  requeue(stepId: string): void {
    this.#readiness.requeue(stepId);
  }

  /** Skips every unfinished transitive dependent of a step that did not complete. */
  async skipDependents(stepId: string, reason = `dependency ${stepId} failed`): Promise<void> {
    const at = this.#deps.writer.now();
    const changes: Array<readonly [string, StepRun]> = [];
    for (const id of this.#graph.transitiveDependents(stepId)) {
      const run = this.task.runs.get(id);
      if (!run || isTerminalStepState(run.state)) continue;
      changes.push([id, nextRun(run, { state: 'skipped', reason, finishedAt: at })]);
      this.#readiness.drop(id);
    }
    if (changes.length > 0) await this.commit({ steps: changes });
  }

  /* ---- waits for answers ---- */

  /** Registers the wait of a step for a human's answer; `answer` resolves it. */
  awaitAnswer(stepId: string, waiter: Waiter<StepAnswer>): () => void {
    this.#confirmations.set(stepId, waiter);
    return () => {
      if (this.#confirmations.get(stepId) === waiter) this.#confirmations.delete(stepId);
    };
  }

  /** Answers a step waiting for confirmation; INVALID_TRANSITION when it is not waiting. */
  /** True while a step waits for an answer in this process. */
  isWaitingFor(stepId: string): boolean {
    return this.#confirmations.has(stepId);
  }

  answer(stepId: string, answer: StepAnswer): void {
    const run = this.task.runs.get(stepId);
    if (!run)
      throw new OrchestrateError('STEP_NOT_FOUND', `Task ${this.task.id} has no step ${stepId}.`, {
        details: { taskId: this.task.id, stepId },
      });
    const waiter = this.#confirmations.get(stepId);
    if (run.state !== 'awaiting_confirmation' || !waiter) {
      throw new OrchestrateError('INVALID_TRANSITION', `Step ${stepId} is ${run.state}, not awaiting confirmation.`, {
        details: { taskId: this.task.id, stepId, state: run.state },
      });
    }
    waiter.resolve(answer);
  }

  /** Ids for steps a replan adds, continuing the task's numbering (s7, s8, …). */
  nextStepId(): string {
    const id = `s${this.#nextStepNumber}`;
    this.#nextStepNumber += 1;
    return id;
  }

  /** Adds a replan's steps to the graph and the store; false (nothing changed) when they do not fit the graph. */
  async splice(steps: Step[], planHash: string, audit: readonly AuditDraft[]): Promise<boolean> {
    let graph: TaskGraph;
    try {
      graph = this.#graph.withSteps(steps);
    } catch (error) {
      this.#deps.logger.warn(
        { taskId: this.task.id, err: error instanceof Error ? error.message : String(error) },
        'replan steps rejected by the graph',
      );
      return false;
    }
    this.#graph = graph;
    await this.commit({ added: steps, meta: { planHash, replanAttempts: this.task.replanAttempts + 1 }, audit });
    this.#readiness.track(this.task, steps);
    return true;
  }

  /** Registers the wait for host-written corrective steps; `submitReplan` resolves it. */
  awaitReplan(waiter: Waiter<HostReplan>): () => void {
    this.#replanWaiter = waiter;
    return () => {
      if (this.#replanWaiter === waiter) this.#replanWaiter = undefined;
    };
  }

  get waitingForReplan(): boolean {
    return this.#replanWaiter !== undefined && this.task.phase === 'awaiting_replan';
  }

  /** Hands corrective steps to the waiting task; resolves once they are part of the plan and it runs again. */
  submitReplan(steps: Step[]): Promise<void> {
    const waiter = this.#replanWaiter;
    if (!waiter || this.task.phase !== 'awaiting_replan') {
      throw new OrchestrateError(
        'INVALID_TRANSITION',
        `Task ${this.task.id} is ${this.task.phase}; it is not waiting for corrective steps.`,
        {
          details: { taskId: this.task.id, phase: this.task.phase },
        },
      );
    }
    return new Promise((applied) => waiter.resolve({ steps, applied }));
  }

  /* ---- ending ---- */

  /** Cancels the task: unfinished steps end cancelled, then in-flight work is aborted. */
  async cancel(reason: string, audit: AuditDraft): Promise<void> {
    if (isTerminalPhase(this.task.phase)) return;
    const at = this.#deps.writer.now();
    const changes = [...this.task.runs]
      .filter(([, run]) => !isTerminalStepState(run.state))
      .map(([id, run]) => [id, nextRun(run, { state: 'cancelled', reason, finishedAt: at })] as const);
    await this.commit({ steps: changes, phases: ['cancelled'], audit: [audit] });
    this.stop(new Error(reason));
  }

  /** Stops the work in flight (the task's state is someone else's business). */
  stop(reason: Error): void {
    this.#abort.abort(reason);
  }

  /**
   * Stops the work in flight and writes nothing more: the task stays unfinished in the store, as a
   * crash would leave it, and the next server to start resumes it by the same rules.
   */
  suspend(reason: Error): void {
    this.#suspended = true;
    this.#abort.abort(reason);
  }

  get suspended(): boolean {
    return this.#suspended;
  }

  /** Another process ended this task (a cancel it took): take what it stored and stop the work here. */
  async syncWithStore(): Promise<boolean> {
    const stored = await this.#deps.store.phaseOf(this.task.id);
    if (stored === undefined || !isTerminalPhase(stored) || isTerminalPhase(this.task.phase)) return false;
    const task = await this.#deps.store.loadTask(this.task.id);
    if (!task) return false;
    this.#deps.writer.adopt(this.task, task);
    this.stop(new Error(`task ${stored} by another server process`));
    return true;
  }
}

function nextNumber(steps: readonly Step[]): number {
  let max = 0;
  for (const step of steps) {
    const match = /^s(\d+)$/.exec(step.id);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}
