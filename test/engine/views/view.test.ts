/**
 * What `awaiting` and the summary repeat is capped like the steps are: a crowd of steps waiting
 * for confirmation, long report lines. (A long replan prompt, cut in status and whole in the task
 * resource, is in test/tools/status.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { TaskGraph } from '../../../src/engine/graph.js';
import type { Step, StepRun, Task } from '../../../src/engine/model.js';
import { toTaskView } from '../../../src/engine/views/view.js';

function task(phase: Task['phase'], steps: Step[], runs: Array<[string, StepRun]>): Task {
  return {
    id: 'task-1',
    request: 'many steps',
    phase,
    planHash: 'hash',
    createdAt: '2026-01-01T00:00:00.000Z',
    replanAttempts: 0,
    origin: 'host',
    context: {},
    steps,
    runs: new Map(runs),
    version: 1,
  };
}

const stepOf = (i: number, description: string): Step => ({
  id: `s${i + 1}`,
  action: 'plan',
  description,
  dependsOn: [],
  tier: 'destructive',
  input: {},
  estimatedTokens: 0,
});

describe('toTaskView caps', () => {
  it('lists at most 20 step confirmations unless full', () => {
    const steps = Array.from({ length: 25 }, (_, i) => stepOf(i, `Drop table ${i} `.padEnd(2_000, 't')));
    const t = task(
      'executing',
      steps,
      steps.map((s) => [s.id, { state: 'awaiting_confirmation', confirmVia: 'tool' }]),
    );
    const graph = TaskGraph.from(steps);
    const capped = toTaskView(t, graph, { stepLimit: 100 }).awaiting ?? [];
    expect(capped).toHaveLength(20);
    expect(capped.every((a) => a.kind === 'step_confirmation' && a.description.length < 400)).toBe(true);
    expect(toTaskView(t, graph, { full: true }).awaiting).toHaveLength(25);
  });

  it('clips report lines and bounds the report of many long failures', () => {
    const steps = Array.from({ length: 500 }, (_, i) => stepOf(i, `Step ${i} `.padEnd(3_000, 'x')));
    const runs = steps.map((s, i): [string, StepRun] =>
      i % 2 === 0 ? [s.id, { state: 'completed', summary: 'y'.repeat(5_000) }] : [s.id, { state: 'failed', error: 'e'.repeat(5_000) }],
    );
    const view = toTaskView(task('failed', steps, runs), TaskGraph.from(steps));
    const lines = view.summaryText.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(241);
    expect(view.summaryText.length).toBeLessThan(10_000);
    expect(view.summaryText).toMatch(/… \d+ more step line\(s\) not shown/);
    // Later failures follow the first lines.
    expect(lines.filter((l) => l.includes('✗')).length).toBeGreaterThan(lines.filter((l) => l.includes('✓')).length);
  });
});
