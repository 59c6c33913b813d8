/**
 * The dependency graph of a task's steps. Immutable: a replan builds a new graph, so a rejected
 * splice can never leave a half-applied graph behind.
 */
import { OrchestrateError } from '../errors.js';
import type { Step } from './model.js';

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function digitRunEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
  return end;
}

/** Compares two digit runs by numeric value without parsing, so runs of any length work. */
function compareDigitRuns(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  while (aStart < aEnd - 1 && a.charCodeAt(aStart) === 48) aStart += 1;
  while (bStart < bEnd - 1 && b.charCodeAt(bStart) === 48) bStart += 1;
  const lengthDiff = aEnd - aStart - (bEnd - bStart);
  if (lengthDiff !== 0) return lengthDiff < 0 ? -1 : 1;
  for (; aStart < aEnd; aStart += 1, bStart += 1) {
    const diff = a.charCodeAt(aStart) - b.charCodeAt(bStart);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Natural order for step ids: digit runs compare by value ("s2" < "s10"), everything else by
 * UTF-16 code unit. Ids equal up to leading zeros ("s01", "s1") fall back to plain code-unit
 * order so this stays a total order and the topological order is the same on every call.
 */
export function compareStepIds(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const endA = digitRunEnd(a, i);
      const endB = digitRunEnd(b, j);
      const byValue = compareDigitRuns(a, i, endA, b, j, endB);
      if (byValue !== 0) return byValue;
      i = endA;
      j = endB;
    } else {
      if (ca !== cb) return ca < cb ? -1 : 1;
      i += 1;
      j += 1;
    }
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return a < b ? -1 : 1;
}

/** Binary min-heap of step ids; Kahn's algorithm needs O(log n) pops to stay O(n log n). */
class IdHeap {
  private readonly items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  push(id: string): void {
    const items = this.items;
    let index = items.push(id) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentId = items[parent] as string;
      if (compareStepIds(parentId, id) <= 0) break;
      items[index] = parentId;
      index = parent;
    }
    items[index] = id;
  }

  pop(): string | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      let child = left;
      if (right < items.length && compareStepIds(items[right] as string, items[left] as string) < 0) child = right;
      const childId = items[child] as string;
      if (compareStepIds(last, childId) <= 0) break;
      items[index] = childId;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

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
    return this.order.filter(
      (id) => !succeeded.has(id) && this.dependencies(id).every((dependency) => succeeded.has(dependency)),
    );
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
