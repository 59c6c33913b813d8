import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { DECLINE, auditRows, finished, phaseRows, plan, routedLlm, start, states, throwingPlugin, watch } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('plan → approve → status (host-written plan)', () => {
  it('runs a two-step plan to completed and reports every step', async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'say hello twice',
      steps: [
        { description: 'Write the greeting', action: 'plan', output: 'hello' },
        { description: 'Echo it', action: 'shell', command: 'echo hello-from-shell', depends_on: [0] },
      ],
    });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.planText).toContain('`approve`');
    const approved = await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect(approved.decision).toBe('approve');
    const { task } = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(task.steps.map((s: any) => s.state)).toEqual(['completed', 'completed']);
    expect(task.steps[1].outputs.stdout).toContain('hello-from-shell');
    expect(task.summaryText).toContain('Completed');
  });
});

describe('plan', () => {
  it('stores a plan with two phase rows, two phase events and one plan_created audit entry', async () => {
    h = await startHarness();
    const events = watch(h);
    const planned = await plan(h, 'say hi', [{ description: 'Say hi', action: 'plan', output: 'hi' }]);
    expect(events.phasesOf(planned.taskId)).toEqual(['none→planning', 'planning→awaiting_approval']);
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval']);
    const audit = auditRows(h.db, planned.taskId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      source: 'orchestrator',
      request: 'say hi',
      decision: 'decomposed into task plan',
      action: planned.planText,
      tier: 'read',
      outcome: 'success',
      step_id: null,
    });
  });
});

describe('phase history', () => {
  it('runs a successful task through executing, reconciling, completed', async () => {
    h = await startHarness();
    const events = watch(h);
    const planned = await start(h, 'write it', [{ description: 'Write the note', action: 'plan', output: 'the note\nsecond line' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(Date.parse(task.completedAt as string)).toBeGreaterThanOrEqual(Date.parse(task.createdAt));
    expect(events.phasesOf(planned.taskId)).toEqual([
      'none→planning',
      'planning→awaiting_approval',
      'awaiting_approval→executing',
      'executing→reconciling',
      'reconciling→completed',
    ]);
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
    expect(task.summaryText).toBe(
      'Completed: "write it" — all 1 steps succeeded\n  1. ✓ Write the note — the note\n\n─── Result ───\nthe note\nsecond line',
    );
  });

  it('lands a task with a failed step in failed after reconciling', async () => {
    const llm = routedLlm({}, { repair: DECLINE });
    h = await startHarness({ llm });
    const events = watch(h);
    const planned = await start(h, 'write nothing', [{ description: 'Write nothing', action: 'plan', output: '  ' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
    expect(phaseRows(h.db, planned.taskId).at(-1)).toBe('failed');
    expect(events.phasesOf(planned.taskId).slice(2)).toEqual([
      'awaiting_approval→executing',
      'executing→reconciling',
      'reconciling→failed',
    ]);
    expect(task.summaryText.split('\n')[0]).toBe('Failed: "write nothing" — 0/1 succeeded, 1 failed, 0 skipped');
  });

  it('never reruns or rewrites a finished step: each step has exactly one terminal state event', async () => {
    h = await startHarness({ plugins: [throwingPlugin()], llm: routedLlm({}, { repair: DECLINE }) });
    const events = watch(h);
    const planned = await start(h, 'mixed', [
      { description: 'Works', action: 'plan', output: 'ok' },
      { description: 'Breaks', action: 'boom' },
      { description: 'After both', action: 'plan', output: 'never', depends_on: [0, 1] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(states(task)).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped' });
    const terminal = ['completed', 'failed', 'skipped', 'cancelled'];
    for (const id of ['s1', 's2', 's3']) {
      const seen = events.steps.filter((e) => e.taskId === planned.taskId && e.stepId === id).map((e) => e.run.state);
      expect(
        seen.filter((s) => terminal.includes(s)),
        id,
      ).toHaveLength(1);
      expect(seen.filter((s) => s === 'running').length, id).toBeLessThanOrEqual(1);
    }
  });
});
