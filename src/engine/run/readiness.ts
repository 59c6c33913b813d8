import type { TaskGraph } from '../graph.js';
import type { Step, Task } from '../model.js';

/**
 * Which pending steps of a running task may start: each counts its unmet dependencies, and a step
 * whose count reaches zero is ready. A wave is the ready set taken at once, in topological order.
 */
export class Readiness {
  readonly #waitingOn = new Map<string, number>();
  readonly #ready = new Set<string>();

  /** Registers steps: counts their unmet dependencies and marks the free ones ready. */
  track(task: Task, steps: readonly Step[]): void {
    for (const step of steps) {
      if (task.runs.get(step.id)?.state !== 'pending') continue;
      const unmet = step.dependsOn.filter((dep) => task.runs.get(dep)?.state !== 'completed').length;
      this.#waitingOn.set(step.id, unmet);
      if (unmet === 0) this.#ready.add(step.id);
    }
  }

  /** A step completed: its dependents come one dependency closer to ready. */
  release(task: Task, graph: TaskGraph, stepId: string): void {
    for (const dependent of graph.dependents(stepId)) {
      const left = (this.#waitingOn.get(dependent) ?? 0) - 1;
      this.#waitingOn.set(dependent, left);
      if (left <= 0 && task.runs.get(dependent)?.state === 'pending') this.#ready.add(dependent);
    }
  }

  /** A step may run again (another attempt, or a human said retry): it is ready once more. */
  requeue(stepId: string): void {
    this.#ready.add(stepId);
  }

  drop(stepId: string): void {
    this.#ready.delete(stepId);
  }

  /** Takes the current ready set (a wave), in topological order. */
  takeWave(task: Task, graph: TaskGraph): string[] {
    const wave = [...this.#ready].filter((id) => task.runs.get(id)?.state === 'pending');
    this.#ready.clear();
    return wave.sort((a, b) => graph.rank(a) - graph.rank(b));
  }
}
