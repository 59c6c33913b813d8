import { describe, expect, it } from 'vitest';
import { EndedTasks } from '../../src/engine/ended-tasks.js';
import { TaskGraph } from '../../src/engine/graph.js';
import type { Step, StepRun, Task } from '../../src/engine/model.js';

function ended(id: string, steps: number, stdout = ''): Task {
  const list: Step[] = Array.from({ length: steps }, (_, i) => ({
    id: `s${i + 1}`,
    action: 'plan',
    description: `Step ${i + 1}`,
    dependsOn: [],
    tier: 'read',
    input: {},
    estimatedTokens: 0,
  }));
  const run: StepRun = { state: 'completed', outputs: { stdout, stderr: '', exitCode: 0, artifacts: [], data: null } };
  return {
    id,
    request: `request ${id}`,
    phase: 'completed',
    planHash: 'h',
    origin: 'host',
    context: {},
    createdAt: '2026-12-01T10:00:00.000Z',
    replanAttempts: 0,
    steps: list,
    runs: new Map(list.map((step) => [step.id, run])),
    version: 3,
  };
}

function held(cache: EndedTasks, ...ids: string[]): string[] {
  return ids.filter((id) => cache.get(id) !== undefined);
}

describe('EndedTasks', () => {
  it('gives back the task and graph it was given', () => {
    const cache = new EndedTasks(100);
    const task = ended('a', 3);
    const graph = TaskGraph.from(task.steps);
    cache.add(task, graph);
    expect(cache.get('a')).toEqual({ task, graph });
    expect(cache.get('b')).toBeUndefined();
  });

  it('lets go of the least recently read tasks once their steps pass the budget', () => {
    const cache = new EndedTasks(10);
    for (const id of ['a', 'b', 'c']) cache.add(ended(id, 4), TaskGraph.from(ended(id, 4).steps));
    // 12 steps > 10: the oldest goes.
    expect(held(cache, 'a', 'b', 'c')).toEqual(['b', 'c']);
    // Reading b makes c the oldest.
    cache.get('b');
    cache.add(ended('d', 4), TaskGraph.from(ended('d', 4).steps));
    expect(held(cache, 'b', 'c', 'd')).toEqual(['b', 'd']);
  });

  it('counts output text too, and keeps the newest task however big it is', () => {
    const cache = new EndedTasks(10);
    cache.add(ended('small', 2), TaskGraph.from(ended('small', 2).steps));
    // Two steps, but 2 × 6 KB of stdout weigh 12 more.
    const big = ended('big', 2, 'x'.repeat(6_000));
    cache.add(big, TaskGraph.from(big.steps));
    expect(held(cache, 'small', 'big')).toEqual(['big']);
  });
});
