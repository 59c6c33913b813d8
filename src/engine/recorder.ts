import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { isoNow, type Clock } from '../clock.js';
import type { TaskStore } from '../store/task-store.js';
import {
  canTransitionPhase,
  canTransitionStep,
  isTerminalPhase,
  isTerminalStepState,
  type Phase,
  type StepRun,
  type Task,
} from './model.js';

export interface PhaseChange {
  taskId: string;
  from: Phase | 'none';
  to: Phase;
  at: string;
}

export interface StepChange {
  taskId: string;
  stepId: string;
  run: StepRun;
}

export interface RecorderEvents {
  phase: [PhaseChange];
  step: [StepChange];
  /** Anything observable about the task changed. */
  change: [Task];
}

/**
 * The only mutator of task phases and step states: checks the transition tables (terminal is
 * terminal), writes through to SQLite, then tells listeners.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  readonly #store: TaskStore;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(store: TaskStore, clock: Clock, logger: Logger) {
    super();
    this.setMaxListeners(0);
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
  }

  now(): string {
    return isoNow(this.#clock);
  }

  /** Moves the task to `to`; a no-op (false) from a terminal phase, to the same phase, or off-table. */
  transitionPhase(task: Task, to: Phase): boolean {
    const from = task.phase;
    if (from === to || isTerminalPhase(from)) return false;
    if (!canTransitionPhase(from, to)) {
      this.#logger.warn({ taskId: task.id, from, to }, 'ignored phase transition not in the table');
      return false;
    }
    const at = this.now();
    task.phase = to;
    if (isTerminalPhase(to)) task.completedAt = at;
    this.#store.recordPhase(task.id, to, task.completedAt, at);
    this.#changed(task);
    this.emit('phase', { taskId: task.id, from, to, at });
    return true;
  }

  /** Sets a step's run record if the step-state table allows it; terminal step states never change. */
  setStep(task: Task, stepId: string, next: StepRun): boolean {
    if (!this.#apply(task, stepId, next)) return false;
    this.#store.updateStep(task.id, stepId, next);
    this.#changed(task);
    this.emit('step', { taskId: task.id, stepId, run: next });
    return true;
  }

  /** Several step changes written in one transaction; returns the ids that changed. */
  setSteps(task: Task, changes: ReadonlyArray<readonly [string, StepRun]>): string[] {
    const applied = changes.filter(([stepId, run]) => this.#apply(task, stepId, run));
    if (applied.length === 0) return [];
    this.#store.updateSteps(task.id, applied);
    this.#changed(task);
    for (const [stepId, run] of applied) this.emit('step', { taskId: task.id, stepId, run });
    return applied.map(([stepId]) => stepId);
  }

  /** Persists plan hash, replan counter and replan request. */
  saveMeta(task: Task): void {
    this.#store.updateMeta(task, this.now());
    this.#changed(task);
  }

  #apply(task: Task, stepId: string, next: StepRun): boolean {
    const current = task.runs.get(stepId);
    if (!current || isTerminalStepState(current.state)) return false;
    if (current.state !== next.state && !canTransitionStep(current.state, next.state)) return false;
    task.runs.set(stepId, next);
    return true;
  }

  #changed(task: Task): void {
    task.version += 1;
    this.emit('change', task);
  }
}
