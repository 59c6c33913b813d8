import type { TaskGraph } from './graph.js';
import type { Task } from './model.js';

/** A task and its graph, as `Engine.get` returns them. */
export interface TaskWithGraph {
  task: Task;
  graph: TaskGraph;
}

/**
 * Ended tasks kept in memory, least recently used first out, so reading a finished task (a status
 * poll, the web view) costs no query. An ended task never changes again (the store refuses every
 * change of a terminal task or step), so a copy here cannot go stale; its audit is read separately.
 * Bounded by steps held, not by tasks, since one task may have thousands.
 */
export class EndedTasks {
  readonly #entries = new Map<string, TaskWithGraph>();
  readonly #maxSteps: number;
  #steps = 0;

  constructor(maxSteps: number) {
    this.#maxSteps = maxSteps;
  }

  get(taskId: string): TaskWithGraph | undefined {
    const entry = this.#entries.get(taskId);
    if (entry) {
      this.#entries.delete(taskId);
      this.#entries.set(taskId, entry);
    }
    return entry;
  }

  /** Keeps the task; the newest one always stays, however big, so the task just read is the one held. */
  add(entry: TaskWithGraph): void {
    this.#drop(entry.task.id);
    this.#entries.set(entry.task.id, entry);
    this.#steps += entry.task.steps.length;
    for (const [taskId, held] of this.#entries) {
      if (this.#steps <= this.#maxSteps || held === entry) break;
      this.#drop(taskId);
    }
  }

  #drop(taskId: string): void {
    const held = this.#entries.get(taskId);
    if (!held) return;
    this.#entries.delete(taskId);
    this.#steps -= held.task.steps.length;
  }
}
