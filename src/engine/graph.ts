/**
 * The dependency graph of a task's steps. Immutable: a replan builds a new graph, so a rejected
 * splice can never leave a half-applied graph behind.
 */
import { OrchestrateError } from '../errors.js';
import type { Step } from './model.js';
import { compareStepIds, IdHeap } from './step-order.js';

export { compareStepIds } from './step-order.js';

function planInvalid(message: string, details: Record<string, unknown>): OrchestrateError {
  return new OrchestrateError('PLAN_INVALID', message, { details });
}

interface Adjacency {
  byId: Map<string, Step>;
  dependencies: Map<string, readonly string[]>;
  dependents: Map<string, string[]>;
}

function buildAdjacency(steps: readonly Step[]): Adjacency {
  const byId = new Map<string, Step>();
  for (const step of steps) {
    if (byId.has(step.id)) {
      throw planInvalid(`Duplicate step id "${step.id}"`, { kind: 'duplicate_id', step: step.id });
    }
    byId.set(step.id, step);
  }
  const dependencies = new Map<string, readonly string[]>();
  const dependents = new Map<string, string[]>();
  for (const step of steps) dependents.set(step.id, []);
  for (const step of steps) {
    // A repeated dependency is one constraint; keeping it once keeps in-degrees and lists honest.
    const unique = [...new Set(step.dependsOn)];
    for (const dependency of unique) {
      const incoming = dependents.get(dependency);
      if (incoming === undefined) {
        throw planInvalid(`Missing dependency: step ${step.id} depends on ${dependency} which does not exist`, {
          kind: 'missing_dependency',
          step: step.id,
          dependency,
        });
      }
      incoming.push(step.id);
    }
    dependencies.set(step.id, Object.freeze(unique));
  }
  return { byId, dependencies, dependents };
}

/**
 * Every id Kahn's algorithm could not visit has an unvisited dependency, so walking those
 * dependencies must revisit an id; the loop found is reported in execution order, smallest id first.
 */
function findCycle(adjacency: Adjacency, visited: ReadonlySet<string>): string[] {
  let start: string | undefined;
  for (const id of adjacency.byId.keys()) {
    if (!visited.has(id) && (start === undefined || compareStepIds(id, start) < 0)) start = id;
  }
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let current = start;
  while (current !== undefined && !seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    current = adjacency.dependencies.get(current)?.find((dependency) => !visited.has(dependency));
  }
  const cycle = current === undefined ? path : path.slice(seenAt.get(current)).reverse();
  let first = 0;
  cycle.forEach((id, index) => {
    if (compareStepIds(id, cycle[first] as string) < 0) first = index;
  });
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

function topologicalSort(adjacency: Adjacency): string[] {
  const inDegree = new Map<string, number>();
  const heap = new IdHeap();
  for (const [id, dependencies] of adjacency.dependencies) {
    inDegree.set(id, dependencies.length);
    if (dependencies.length === 0) heap.push(id);
  }
  const order: string[] = [];
  for (let id = heap.pop(); id !== undefined; id = heap.pop()) {
    order.push(id);
    for (const dependent of adjacency.dependents.get(id) ?? []) {
      const remaining = (inDegree.get(dependent) ?? 0) - 1;
      inDegree.set(dependent, remaining);
      if (remaining === 0) heap.push(dependent);
    }
  }
  if (order.length !== adjacency.byId.size) {
    const steps = findCycle(adjacency, new Set(order));
    throw planInvalid('Cycle detected in task graph', { kind: 'cycle', steps });
  }
  return order;
}

export class TaskGraph {
  private readonly stepList: readonly Step[];
  private readonly adjacency: Adjacency;
  private readonly order: readonly string[];
  private readonly ranks: ReadonlyMap<string, number>;

  private constructor(steps: readonly Step[], adjacency: Adjacency, order: readonly string[]) {
    this.stepList = steps;
    this.adjacency = adjacency;
    this.order = order;
    this.ranks = new Map(order.map((id, index) => [id, index]));
  }

  /** Validates ids, dependencies and acyclicity; throws PLAN_INVALID naming the problem. */
  static from(steps: readonly Step[]): TaskGraph {
    const list = Object.freeze([...steps]);
    const adjacency = buildAdjacency(list);
    const order = Object.freeze(topologicalSort(adjacency));
    for (const dependents of adjacency.dependents.values()) Object.freeze(dependents);
    return new TaskGraph(list, adjacency, order);
  }

  get size(): number {
    return this.stepList.length;
  }

  has(id: string): boolean {
    return this.adjacency.byId.has(id);
  }

  /** Steps in insertion order (original plan first, then replanned steps). */
  steps(): readonly Step[] {
    return this.stepList;
  }

  step(id: string): Step {
    return this.require(this.adjacency.byId.get(id), id);
  }

  /** Dependencies first; independent steps in id order; identical on every call. */
  topologicalOrder(): readonly string[] {
    return this.order;
  }

  rank(id: string): number {
    return this.require(this.ranks.get(id), id);
  }

  dependencies(id: string): readonly string[] {
    return this.require(this.adjacency.dependencies.get(id), id);
  }

  dependents(id: string): readonly string[] {
    return this.require(this.adjacency.dependents.get(id), id);
  }

  /** Everything downstream of `id`, breadth first, each once, without `id` itself. */
  transitiveDependents(id: string): string[] {
    const seen = new Set<string>([id]);
    const queue: string[] = [...this.dependents(id)];
    for (const next of queue) seen.add(next);
    for (let head = 0; head < queue.length; head += 1) {
      for (const dependent of this.dependents(queue[head] as string)) {
        if (seen.has(dependent)) continue;
        seen.add(dependent);
        queue.push(dependent);
      }
    }
    return queue;
  }

  /** Steps not yet succeeded whose dependencies all succeeded, in topological order. */
  readySteps(succeeded: ReadonlySet<string>): string[] {
    return this.order.filter((id) => !succeeded.has(id) && this.dependencies(id).every((dependency) => succeeded.has(dependency)));
  }

  /** A new graph with `newSteps` appended; this graph is left as it was, even when this throws. */
  withSteps(newSteps: readonly Step[]): TaskGraph {
    return TaskGraph.from([...this.stepList, ...newSteps]);
  }

  private require<T>(value: T | undefined, id: string): T {
    if (value === undefined) {
      throw new OrchestrateError('STEP_NOT_FOUND', `No step with id "${id}" in this task`, { details: { step: id } });
    }
    return value;
  }
}
