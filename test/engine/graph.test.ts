import { describe, it, expect } from 'vitest';
import { OrchestrateError } from '../../src/errors.js';
import { TaskGraph, compareStepIds } from '../../src/engine/graph.js';
import type { Step } from '../../src/engine/model.js';

function step(id: string, dependsOn: string[] = []): Step {
  return { id, action: 'plan', description: `Step ${id}`, dependsOn, tier: 'read', input: {}, estimatedTokens: 0 };
}

function diamond(): Step[] {
  return [step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])];
}

function planError(run: () => unknown): OrchestrateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OrchestrateError);
    return error as OrchestrateError;
  }
  throw new Error('expected PLAN_INVALID to be thrown');
}

function edgeCount(graph: TaskGraph): number {
  return graph.steps().reduce((sum, s) => sum + graph.dependencies(s.id).length, 0);
}

describe('TaskGraph.from', () => {
  it('builds a diamond with 4 steps and 4 edges', () => {
    const graph = TaskGraph.from(diamond());
    expect(graph.size).toBe(4);
    expect(edgeCount(graph)).toBe(4);
    expect(graph.has('d')).toBe(true);
    expect(graph.has('z')).toBe(false);
    expect(graph.dependencies('d')).toEqual(['b', 'c']);
    expect(graph.dependents('a')).toEqual(['b', 'c']);
    expect(graph.steps().map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('accepts an empty graph', () => {
    const graph = TaskGraph.from([]);
    expect(graph.size).toBe(0);
    expect(graph.topologicalOrder()).toEqual([]);
    expect(graph.readySteps(new Set())).toEqual([]);
  });

  it('rejects a 3-cycle with PLAN_INVALID naming the steps on the cycle', () => {
    const error = planError(() => TaskGraph.from([step('a', ['c']), step('b', ['a']), step('c', ['b']), step('x')]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('Cycle detected in task graph');
    expect(error.details).toEqual({ kind: 'cycle', steps: ['a', 'b', 'c'] });
  });

  it('reports only the loop when other steps merely hang off it', () => {
    const error = planError(() => TaskGraph.from([step('a', ['b']), step('b', ['a']), step('c', ['b']), step('d', ['c'])]));
    expect(error.details).toEqual({ kind: 'cycle', steps: ['a', 'b'] });
  });

  it('treats a self-dependency as a cycle', () => {
    const error = planError(() => TaskGraph.from([step('a'), step('b', ['b'])]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.details).toEqual({ kind: 'cycle', steps: ['b'] });
  });

  it('rejects an unknown dependency with PLAN_INVALID', () => {
    const error = planError(() => TaskGraph.from([step('a'), step('b', ['ghost'])]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('Missing dependency: step b depends on ghost which does not exist');
    expect(error.details).toEqual({ kind: 'missing_dependency', step: 'b', dependency: 'ghost' });
  });

  it('rejects duplicate step ids instead of overwriting', () => {
    const error = planError(() => TaskGraph.from([step('a'), step('b'), step('a', ['b'])]));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toBe('Duplicate step id "a"');
    expect(error.details).toEqual({ kind: 'duplicate_id', step: 'a' });
  });

  it('keeps a repeated dependency as one edge', () => {
    const graph = TaskGraph.from([step('a'), step('b', ['a', 'a'])]);
    expect(graph.dependencies('b')).toEqual(['a']);
    expect(graph.dependents('a')).toEqual(['b']);
    expect(graph.topologicalOrder()).toEqual(['a', 'b']);
  });

  it('throws STEP_NOT_FOUND when asked about an unknown step', () => {
    const graph = TaskGraph.from(diamond());
    expect(() => graph.rank('zz')).toThrow(expect.objectContaining({ code: 'STEP_NOT_FOUND' }));
    expect(() => graph.dependents('zz')).toThrow(expect.objectContaining({ code: 'STEP_NOT_FOUND' }));
  });
});

describe('topologicalOrder', () => {
  it('orders a chain a, b, c', () => {
    const graph = TaskGraph.from([step('c', ['b']), step('b', ['a']), step('a')]);
    expect(graph.topologicalOrder()).toEqual(['a', 'b', 'c']);
    expect(graph.rank('a')).toBe(0);
    expect(graph.rank('c')).toBe(2);
  });

  it('puts independent steps c, a, b in id order on every call', () => {
    const graph = TaskGraph.from([step('c'), step('a'), step('b')]);
    for (let i = 0; i < 5; i += 1) expect(graph.topologicalOrder()).toEqual(['a', 'b', 'c']);
    expect(TaskGraph.from([step('b'), step('c'), step('a')]).topologicalOrder()).toEqual(['a', 'b', 'c']);
  });

  it('orders ties naturally so s2 comes before s10', () => {
    const ids = ['s10', 's2', 's1', 's20', 's3', 'step-9', 'step-11'];
    const graph = TaskGraph.from(ids.map((id) => step(id)));
    expect(graph.topologicalOrder()).toEqual(['s1', 's2', 's3', 's10', 's20', 'step-9', 'step-11']);
  });

  it('lists every dependency before its dependents', () => {
    const graph = TaskGraph.from([step('z'), step('m', ['z']), step('a', ['m']), step('b')]);
    expect(graph.topologicalOrder()).toEqual(['b', 'z', 'm', 'a']);
  });
});

describe('compareStepIds', () => {
  it('compares digit runs by value and other characters by code unit', () => {
    expect(compareStepIds('s2', 's10')).toBeLessThan(0);
    expect(compareStepIds('s10', 's2')).toBeGreaterThan(0);
    expect(compareStepIds('a', 'b')).toBeLessThan(0);
    expect(compareStepIds('b', 'c')).toBeLessThan(0);
    expect(compareStepIds('B', 'a')).toBeLessThan(0);
    expect(compareStepIds('s', 's1')).toBeLessThan(0);
    expect(compareStepIds('x99999999999999999999', 'x100000000000000000000')).toBeLessThan(0);
    expect(compareStepIds('s1', 's1')).toBe(0);
  });

  it('stays a total order for ids equal up to leading zeros', () => {
    expect(compareStepIds('s01', 's1')).toBeLessThan(0);
    expect(compareStepIds('s1', 's01')).toBeGreaterThan(0);
    const sorted = ['s1', 's01', 's001', 's2', 's02'].sort(compareStepIds);
    expect(sorted).toEqual(['s001', 's01', 's1', 's02', 's2']);
  });
});

describe('readySteps', () => {
  it('walks a diamond plus an independent step: {a,c} then {b,c} then {d}', () => {
    const graph = TaskGraph.from([step('a'), step('b', ['a']), step('c'), step('d', ['b'])]);
    expect(graph.readySteps(new Set())).toEqual(['a', 'c']);
    expect(graph.readySteps(new Set(['a']))).toEqual(['b', 'c']);
    expect(graph.readySteps(new Set(['a', 'b', 'c']))).toEqual(['d']);
    expect(graph.readySteps(new Set(['a', 'b', 'c', 'd']))).toEqual([]);
  });

  it('puts a before c in ready order', () => {
    const graph = TaskGraph.from([step('c'), step('a')]);
    expect(graph.readySteps(new Set())).toEqual(['a', 'c']);
  });

  it('never offers dependents of a step that did not succeed', () => {
    const graph = TaskGraph.from(diamond());
    // b failed: only succeeded ids are passed, so d waits; the failed b itself is offered again
    // and it is the executor that filters by state.
    expect(graph.readySteps(new Set(['a', 'c']))).toEqual(['b']);
  });
});

describe('transitiveDependents', () => {
  const graph = TaskGraph.from([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b']), step('e', ['d', 'c'])]);

  it('returns b, c, d, e for a, each once, breadth first', () => {
    expect(graph.transitiveDependents('a')).toEqual(['b', 'c', 'd', 'e']);
  });

  it('returns d, e for b', () => {
    expect(graph.transitiveDependents('b')).toEqual(['d', 'e']);
  });

  it('returns nothing for a leaf', () => {
    expect(graph.transitiveDependents('e')).toEqual([]);
  });

  it('covers every step a failure must skip while leaving siblings alone', () => {
    const skipped = new Set(graph.transitiveDependents('b'));
    expect(skipped.has('c')).toBe(false);
    expect([...skipped].sort()).toEqual(['d', 'e']);
  });
});

describe('withSteps', () => {
  it('returns a new graph with the steps spliced in and leaves the original alone', () => {
    const original = TaskGraph.from(diamond());
    const next = original.withSteps([step('fix-1', ['a']), step('fix-2', ['fix-1'])]);
    expect(next.size).toBe(6);
    expect(next.topologicalOrder()).toEqual(['a', 'b', 'c', 'd', 'fix-1', 'fix-2']);
    expect(next.dependents('a')).toEqual(['b', 'c', 'fix-1']);
    expect(original.size).toBe(4);
    expect(original.dependents('a')).toEqual(['b', 'c']);
    expect(original.has('fix-1')).toBe(false);
  });

  it('leaves the original untouched when the new steps form a cycle', () => {
    const original = TaskGraph.from(diamond());
    const error = planError(() => original.withSteps([step('x', ['y']), step('y', ['x'])]));
    expect(error.details).toEqual({ kind: 'cycle', steps: ['x', 'y'] });
    expect(original.size).toBe(4);
    expect(original.has('x')).toBe(false);
    expect(original.topologicalOrder()).toEqual(['a', 'b', 'c', 'd']);
    expect(original.dependents('a')).toEqual(['b', 'c']);
  });

  it('leaves the original untouched when a new step has a missing dependency', () => {
    const original = TaskGraph.from(diamond());
    const error = planError(() => original.withSteps([step('x', ['a']), step('y', ['nope'])]));
    expect(error.details).toEqual({ kind: 'missing_dependency', step: 'y', dependency: 'nope' });
    expect(original.has('x')).toBe(false);
    expect(original.dependents('a')).toEqual(['b', 'c']);
  });

  it('rejects a new step that reuses an existing id', () => {
    const original = TaskGraph.from(diamond());
    const error = planError(() => original.withSteps([step('b', ['a'])]));
    expect(error.details).toEqual({ kind: 'duplicate_id', step: 'b' });
  });
});

describe('large graphs', () => {
  const N = 10_000;

  it('builds and orders a 10,000-step chain', () => {
    // Insert in reverse so the order has to come from the edges, not the input.
    const steps = Array.from({ length: N }, (_, i) => step(`s${N - 1 - i}`, i === N - 1 ? [] : [`s${N - 2 - i}`]));
    const graph = TaskGraph.from(steps);
    const order = graph.topologicalOrder();
    expect(order).toHaveLength(N);
    expect(order[0]).toBe('s0');
    expect(order[N - 1]).toBe(`s${N - 1}`);
    expect(order.every((id, i) => id === `s${i}`)).toBe(true);
    expect(graph.rank(`s${N - 1}`)).toBe(N - 1);
    expect(graph.transitiveDependents('s0')).toHaveLength(N - 1);
    expect(graph.readySteps(new Set(['s0', 's1']))).toEqual(['s2']);
  });

  it('builds and orders a 10,000-step fan-out', () => {
    const leaves = Array.from({ length: N - 1 }, (_, i) => step(`leaf${N - 1 - i}`, ['root']));
    const graph = TaskGraph.from([...leaves, step('root')]);
    const order = graph.topologicalOrder();
    expect(order).toHaveLength(N);
    expect(order[0]).toBe('root');
    expect(order.slice(1).every((id, i) => id === `leaf${i + 1}`)).toBe(true);
    expect(graph.dependents('root')).toHaveLength(N - 1);
    expect(graph.readySteps(new Set(['root']))).toHaveLength(N - 1);
    expect(graph.transitiveDependents('root')).toHaveLength(N - 1);
  });
});
