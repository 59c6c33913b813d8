import type { TaskGraph } from './graph.js';
import type { Task } from './model.js';

/** A task and its graph, as `Engine.get` returns them. */
export interface TaskWithGraph {
  task: Task;
  graph: TaskGraph;
}

/**
 * Ended tasks kept in memory, least recently read first out, so reading a finished task (a status
 * poll, the web view) costs no query. An ended task never changes again (the store refuses every
 * change of a terminal task or step), so a copy here cannot go stale; its audit is read separately.
 * Bounded by what the tasks hold (see weightOf), not by their number: one task may have thousands
 * of steps.
 */
export class EndedTasks {
  readonly #entries = new Map<string, { ended: TaskWithGraph; weight: number }>();
  readonly #budget: number;
  #weight = 0;

  /** `budget`: steps held, a kilobyte of step output counting as one more step. */
  constructor(budget: number) {
    this.#budget = budget;
  }

  get(taskId: string): TaskWithGraph | undefined {
    const entry = this.#entries.get(taskId);
    if (entry) {
      this.#entries.delete(taskId);
      this.#entries.set(taskId, entry);
    }
    return entry?.ended;
  }

  /** Keeps the task; the newest one always stays, however big, so the task just read is the one held. */
  add(task: Task, graph: TaskGraph): void {
    this.#drop(task.id);
    const entry = { ended: { task, graph }, weight: weightOf(task) };
    this.#entries.set(task.id, entry);
    this.#weight += entry.weight;
    for (const [taskId, held] of this.#entries) {
      if (this.#weight <= this.#budget || held === entry) break;
      this.#drop(taskId);
    }
  }

  #drop(taskId: string): void {
    const held = this.#entries.get(taskId);
    if (!held) return;
    this.#entries.delete(taskId);
    this.#weight -= held.weight;
  }
}

function weightOf(task: Task): number {
  let weight = task.steps.length;
  for (const run of task.runs.values()) weight += ((run.outputs?.stdout.length ?? 0) + (run.outputs?.stderr.length ?? 0)) / 1_000;
  return weight;
}
