/**
 * What `awaiting` and the summary repeat is capped like the steps are: a long replan prompt, a
 * crowd of steps waiting for confirmation, long report lines. The task resource keeps them whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskGraph } from '../../../src/engine/graph.js';
import type { Step, StepRun, Task } from '../../../src/engine/model.js';
import { toTaskView } from '../../../src/engine/views/view.js';
import { start, until } from '../../engine-mcp/support.js';
import { startHarness, type Harness } from '../../helpers/harness.js';
import { readJson, taskUri } from '../../resources/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('awaiting in a capped view', () => {
  it('cuts a long replan prompt in status and keeps it whole in the task resource', async () => {
    h = await startHarness({ config: { hostReplanTimeoutMs: 30_000 } });
    const done = Array.from({ length: 20 }, (_, i) => ({
      description: `Gather part ${i} `.padEnd(1_000, 'g'),
      action: 'plan',
      output: `part ${i}`,
    }));
    const failing = { description: 'Assemble', action: 'plan', output: '   ', depends_on: done.map((_, i) => i) };
    const planned = await start(h, 'assemble the parts', [...done, failing]);
    const waiting = await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan');

    const replan = waiting.awaiting?.find((a) => a.kind === 'replan') as unknown as { prompt: string };
    expect(replan.prompt.length).toBeLessThan(12_100);
    expect(replan.prompt).toContain('chars; see the task resource');
    const full = await readJson(h.client, taskUri(planned.taskId));
    const whole = full.awaiting.find((a: { kind: string }) => a.kind === 'replan').prompt as string;
    expect(whole.length).toBeGreaterThan(20_000);
    expect(whole.startsWith(replan.prompt.slice(0, 12_000))).toBe(true);
    await h.ok('cancel', { taskId: planned.taskId });
  });
});

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
