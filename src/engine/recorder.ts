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

  /**
   * Moves the task to `to`; a no-op (false) from a terminal phase, to the same phase, or off-table.
   * When the stored task has already ended (another server process cancelled it), the task takes
   * the stored phase instead.
   */
  transitionPhase(task: Task, to: Phase): boolean {
    const from = task.phase;
    if (from === to || isTerminalPhase(from)) return false;
    if (!canTransitionPhase(from, to)) {
      this.#logger.warn({ taskId: task.id, from, to }, 'ignored phase transition not in the table');
      return false;
    }
    const at = this.now();
    const completedAt = isTerminalPhase(to) ? at : task.completedAt;
    if (!this.#store.recordPhase(task.id, to, completedAt, at)) {
      this.adoptStoredPhase(task);
      return false;
    }
    task.phase = to;
    if (completedAt !== undefined) task.completedAt = completedAt;
    this.#changed(task);
    this.emit('phase', { taskId: task.id, from, to, at });
    return true;
  }

  /** Takes the phase the database holds (another process may have moved the task). */
  adoptStoredPhase(task: Task): void {
    const stored = this.#store.phaseOf(task.id);
    if (stored === undefined || stored === task.phase) return;
    const from = task.phase;
    task.phase = stored;
    this.#changed(task);
    this.emit('phase', { taskId: task.id, from, to: stored, at: this.now() });
  }

  /** Sets a step's run record if the step-state table allows it; terminal step states never change. */
  setStep(task: Task, stepId: string, next: StepRun): boolean {
    if (!this.#allowed(task, stepId, next) || !this.#store.updateStep(task.id, stepId, next)) return false;
    task.runs.set(stepId, next);
    this.#changed(task);
    this.emit('step', { taskId: task.id, stepId, run: next });
    return true;
  }

  /** Several step changes written in one transaction; returns the ids that changed. */
  setSteps(task: Task, changes: ReadonlyArray<readonly [string, StepRun]>): string[] {
    const allowed = changes.filter(([stepId, run]) => this.#allowed(task, stepId, run));
    if (allowed.length === 0) return [];
    const written = new Set(this.#store.updateSteps(task.id, allowed));
    const applied = allowed.filter(([stepId]) => written.has(stepId));
    if (applied.length === 0) return [];
    for (const [stepId, run] of applied) task.runs.set(stepId, run);
    this.#changed(task);
    for (const [stepId, run] of applied) this.emit('step', { taskId: task.id, stepId, run });
    return applied.map(([stepId]) => stepId);
  }

  /** Persists plan hash, replan counter and replan request. */
  saveMeta(task: Task): void {
    this.#store.updateMeta(task, this.now());
    this.#changed(task);
  }

  /** Tells listeners about a change made outside the recorder (state adopted from the database). */
  touch(task: Task): void {
    this.#changed(task);
  }

  #allowed(task: Task, stepId: string, next: StepRun): boolean {
    const current = task.runs.get(stepId);
    if (!current || isTerminalStepState(current.state)) return false;
    return current.state === next.state || canTransitionStep(current.state, next.state);
  }

  #changed(task: Task): void {
    task.version += 1;
    this.emit('change', task);
  }
}
