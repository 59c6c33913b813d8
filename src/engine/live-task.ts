import { setMaxListeners } from 'node:events';
import type { ClientChannel } from './channel.js';
import type { TaskGraph } from './graph.js';
import type { Step, Task } from './model.js';

/** A pending answer from a human or the calling model. */
export interface Waiter<T> {
  resolve(value: T): void;
}

/** A task this process is executing: its state, graph, abort switch and readiness bookkeeping. */
export interface LiveTask {
  task: Task;
  graph: TaskGraph;
  abort: AbortController;
  channel: ClientChannel;
  /** Unsatisfied dependency count per pending step; a step is ready at zero. */
  waitingOn: Map<string, number>;
  ready: Set<string>;
  confirmations: Map<string, Waiter<boolean>>;
  replanWaiter?: Waiter<Step[]>;
  done?: Promise<void>;
  nextStepNumber: number;
}

export function createLiveTask(task: Task, graph: TaskGraph, channel: ClientChannel): LiveTask {
  const live: LiveTask = {
    task,
    graph,
    abort: new AbortController(),
    channel,
    waitingOn: new Map(),
    ready: new Set(),
    confirmations: new Map(),
    nextStepNumber: nextNumber(task.steps),
  };
  // Every running step and wait listens on the task's signal; that many listeners is expected.
  setMaxListeners(0, live.abort.signal);
  trackSteps(live, task.steps);
  return live;
}

/** Registers steps for scheduling: counts their unmet dependencies and marks the free ones ready. */
export function trackSteps(live: LiveTask, steps: readonly Step[]): void {
  for (const step of steps) {
    if (live.task.runs.get(step.id)?.state !== 'pending') continue;
    const unmet = step.dependsOn.filter((dep) => live.task.runs.get(dep)?.state !== 'completed').length;
    live.waitingOn.set(step.id, unmet);
    if (unmet === 0) live.ready.add(step.id);
  }
}

/** A step completed: its dependents come one dependency closer to ready. */
export function releaseDependents(live: LiveTask, stepId: string): void {
  for (const dependent of live.graph.dependents(stepId)) {
    const left = (live.waitingOn.get(dependent) ?? 0) - 1;
    live.waitingOn.set(dependent, left);
    if (left <= 0 && live.task.runs.get(dependent)?.state === 'pending') live.ready.add(dependent);
  }
}

/** Takes the current ready set (a wave), in topological order. */
export function takeWave(live: LiveTask): string[] {
  const wave = [...live.ready].filter((id) => live.task.runs.get(id)?.state === 'pending');
  live.ready.clear();
  return wave.sort((a, b) => live.graph.rank(a) - live.graph.rank(b));
}

function nextNumber(steps: readonly Step[]): number {
  let max = 0;
  for (const step of steps) {
    const match = /^s(\d+)$/.exec(step.id);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}
