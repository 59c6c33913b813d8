import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { auditRows, finished, kinds, phaseRows, routedLlm, start, states, step, stepRows, until, watch } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TIMEOUTS = (ms: number) => ({ read: 30_000, write: 60_000, execute: 120_000, destructive: ms, external: ms });

/** A destructive step that leaves a marker file when it really runs, a dependent and an independent sibling. */
function riskyPlan(dir: string, tier: 'destructive' | 'external') {
  return [
    { description: 'Drop the old table', action: 'shell', command: `touch ${join(dir, 'ran')}`, tier },
    { description: 'Rebuild it', action: 'plan', output: 'rebuilt', depends_on: [0] },
    { description: 'Unrelated read', action: 'plan', output: 'read only', tier: 'read' },
  ];
}

describe('per-step confirmation', () => {
  it('holds a destructive step in awaiting_confirmation until approve { taskId, stepId }', async () => {
    h = await startHarness();
    const planned = await start(h, 'migrate', riskyPlan(h.dir, 'destructive'));
    const waiting = await until(h, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    expect(waiting.phase).toBe('executing');
    expect(waiting.counts.awaiting).toBe(1);
    expect(waiting.summaryText).toMatch(/^Executing: "migrate" — 1 awaiting approval/);
    expect(waiting.awaiting).toEqual([
      expect.objectContaining({ kind: 'step_confirmation', stepId: 's1', description: 'Drop the old table', tier: 'destructive' }),
    ]);
    expect(String(waiting.awaiting?.[0]?.['hint'])).toContain('stepId: "s1"');
    expect(existsSync(join(h.dir, 'ran'))).toBe(false);
    const row = stepRows(h.db, planned.taskId)[0];
    expect(row?.state).toBe('awaiting_confirmation');
    const harness = h;
    await expect
      .poll(() => harness.logs.find((l) => (l.data as { event?: string }).event === 'confirmation_needed'))
      .toMatchObject({ level: 'warning', data: { stepId: 's1', tier: 'destructive', taskId: planned.taskId } });

    const answer = await h.ok('approve', { taskId: planned.taskId, stepId: 's1', decision: 'approve' });
    expect(answer).toMatchObject({ taskId: planned.taskId, stepId: 's1', decision: 'approve' });
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'completed', s3: 'completed' });
    expect(existsSync(join(h.dir, 'ran'))).toBe(true);
    const s1 = auditRows(h.db, planned.taskId).filter((r) => r.step_id === 's1');
    expect(s1.map((r) => [r.kind, r.actor, r.source])).toEqual([
      ['step_confirmed', 'model', 'approve tool'],
      ['step_completed', 'system', 'orchestrator'],
    ]);
    expect(s1[1]).toMatchObject({ decision: 'step executed', tier: 'destructive' });
  });

  it('cancels a rejected step, skips its dependents and fails the task without a replan', async () => {
    const llm = routedLlm({});
    h = await startHarness({ llm });
    const events = watch(h);
    const planned = await start(h, 'post it', riskyPlan(h.dir, 'external'));
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    const answer = await h.ok('approve', { taskId: planned.taskId, stepId: 's1', decision: 'reject' });
    expect(answer).toMatchObject({ stepId: 's1', decision: 'reject' });

    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation denied');
    expect(step(task, 's2').reason).toBe('dependency s1 was not confirmed');
    expect(existsSync(join(h.dir, 'ran'))).toBe(false);
    expect(task.summaryText.split('\n')[0]).toBe('Failed: "post it" — 1/3 succeeded, 0 failed, 1 skipped, 1 cancelled');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'failed']);
    expect(events.phasesOf(planned.taskId).at(-1)).toBe('reconciling→failed');
    // No replan for a denial; the audit records who refused.
    expect(kinds(llm)).toEqual([]);
    expect(auditRows(h.db, planned.taskId).map((r) => [r.step_id, r.kind, r.actor])).toEqual([
      [null, 'plan_created', 'model'],
      [null, 'plan_approved', 'model'],
      ['s1', 'step_refused', 'model'],
      ['s3', 'step_completed', 'system'],
    ]);
  });

  it('treats an unanswered confirmation as denied once the tier timeout passes', async () => {
    h = await startHarness({ config: { confirmationTimeoutsMs: TIMEOUTS(300) } });
    const planned = await start(h, 'wait for nobody', riskyPlan(h.dir, 'destructive'));
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation timed out after 300 ms');
    expect(step(task, 's2').reason).toBe('dependency s1 was not confirmed');
    expect(existsSync(join(h.dir, 'ran'))).toBe(false);
    const late = await h.call('approve', { taskId: planned.taskId, stepId: 's1' });
    expect(errorCode(late)).toBe('INVALID_TRANSITION');
  });

  it('skips the wait for tiers the policy pre-approves, and only for them', async () => {
    h = await startHarness({ config: { autoApproveTiers: ['destructive'] } });
    const events = watch(h);
    const planned = await start(h, 'pre-approved', [
      { description: 'Delete scratch', action: 'shell', command: 'echo deleted', tier: 'destructive' },
      { description: 'Write notes', action: 'plan', output: 'notes', tier: 'write', depends_on: [0] },
      { description: 'Deploy', action: 'shell', command: 'echo deployed', tier: 'external', depends_on: [1] },
    ]);
    await until(h, planned.taskId, (t) => step(t, 's3').state === 'awaiting_confirmation');
    // States in the order entered (a running step is written again when it records its processes).
    const seen = (id: string) =>
      events.steps
        .filter((e) => e.taskId === planned.taskId && e.stepId === id)
        .map((e) => e.run.state)
        .filter((state, i, all) => i === 0 || all[i - 1] !== state);
    expect(seen('s1')).toEqual(['running', 'completed']);
    expect(seen('s2')).toEqual(['running', 'completed']);
    await h.ok('approve', { taskId: planned.taskId, stepId: 's3' });
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(seen('s3')).toEqual(['awaiting_confirmation', 'pending', 'running', 'completed']);
    // The audit says who let s1 through without asking: the policy.
    const { entries } = await h.app.engine.audit(planned.taskId);
    const confirmed = entries.filter((e) => e.kind === 'step_confirmed').map((e) => [e.stepId, e.actor]);
    expect(confirmed).toEqual([
      ['s1', 'policy'],
      ['s3', 'model'],
    ]);
  });
});
