/**
 * Every decision is in the task's audit with who took it: a form approval is the human's, a tool
 * approval the model's, a tier pre-approved by config the policy's, a confirmation nobody answered
 * in time the system's; replans carry the old and new plan hash, cancels who asked, and a corrective
 * plan that never came is the system's word too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedHuman, APPROVE } from '../approval/human.js';
import { auditRows, finished, plan, routedLlm, start, states, type AuditRow } from '../engine-mcp/support.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TIMEOUTS = (ms: number) => ({ read: 30_000, write: 60_000, execute: 120_000, destructive: ms, external: ms });

function decisions(rows: AuditRow[], kinds: readonly string[]): Array<[string | null, string, string, string | null]> {
  return rows.filter((row) => kinds.includes(row.kind)).map((row) => [row.step_id, row.kind, row.actor, row.source]);
}

function detailsOf(row: AuditRow | undefined): Record<string, unknown> {
  return JSON.parse((row as { details?: string | null } | undefined)?.details ?? '{}') as Record<string, unknown>;
}

const ONE_STEP = [{ description: 'Say hello', action: 'shell', command: 'echo hello' }];

describe('who decided, in the audit', () => {
  it('records a plan approved in the form as the human’s, with the plan hash', async () => {
    const human = scriptedHuman({ plan: [APPROVE] });
    h = await startHarness({ elicit: human.handler });
    const planned = await plan(h, 'greet', ONE_STEP);
    expect(await h.ok('approve', { taskId: planned.taskId })).toMatchObject({ via: 'form' });
    await finished(h, planned.taskId);
    const rows = auditRows(h.db, planned.taskId);
    expect(decisions(rows, ['plan_created', 'plan_approved'])).toEqual([
      [null, 'plan_created', 'model', 'orchestrator'],
      [null, 'plan_approved', 'human', 'approval form'],
    ]);
    expect(rows[0]?.request).toBe('greet');
    expect(detailsOf(rows[1])).toEqual({ planHash: planned.planHash });
  });

  it('records a plan approved through the tool as the model’s, with its comment', async () => {
    h = await startHarness();
    const planned = await plan(h, 'greet', ONE_STEP);
    await h.ok('approve', { taskId: planned.taskId, comment: 'the user said yes in chat' });
    await finished(h, planned.taskId);
    const approved = auditRows(h.db, planned.taskId).find((row) => row.kind === 'plan_approved');
    expect([approved?.actor, approved?.source, approved?.comment]).toEqual(['model', 'approve tool', 'the user said yes in chat']);
  });

  it('records a destructive step let through by approval.autoApprove as the policy’s', async () => {
    h = await startHarness({ config: { autoApproveTiers: ['destructive'] } });
    const planned = await start(h, 'clean up', [
      { description: 'Remove the cache', action: 'shell', command: 'echo removed', tier: 'destructive' },
    ]);
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    const rows = auditRows(h.db, planned.taskId);
    expect(decisions(rows, ['step_confirmed', 'step_completed'])).toEqual([
      ['s1', 'step_confirmed', 'policy', 'config'],
      ['s1', 'step_completed', 'system', 'orchestrator'],
    ]);
    expect(rows.find((row) => row.kind === 'step_confirmed')?.comment).toBe('autoApproveTiers includes destructive');
  });

  it('records a confirmation nobody answered in time as the system’s refusal', async () => {
    h = await startHarness({ config: { confirmationTimeoutsMs: TIMEOUTS(150) } });
    const planned = await start(h, 'drop it', [
      { description: 'Drop the table', action: 'shell', command: 'echo dropped', tier: 'destructive' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(states(task)).toEqual({ s1: 'cancelled' });
    const refused = auditRows(h.db, planned.taskId).filter((row) => row.kind === 'step_refused');
    expect(refused.map((row) => [row.step_id, row.actor, row.comment])).toEqual([['s1', 'system', 'confirmation timed out after 150 ms']]);
  });

  it('records a replan with the old and the new plan hash, and a cancel with who asked', async () => {
    const repair = fenced([{ description: 'Wait for the fix', action: 'shell', command: 'sleep 30' }], 'Try this:');
    h = await startHarness({ llm: routedLlm({ repair: [repair] }) });
    const planned = await start(h, 'make it work', [{ description: 'Run false', action: 'execute', command: 'false' }]);
    await expect.poll(() => auditRows(h!.db, planned.taskId).some((row) => row.kind === 'replanned')).toBe(true);
    await h.ok('cancel', { taskId: planned.taskId, reason: 'taking too long' });
    await finished(h, planned.taskId);
    const rows = auditRows(h.db, planned.taskId);
    const replanned = detailsOf(rows.find((row) => row.kind === 'replanned'));
    expect(replanned).toMatchObject({ previousPlanHash: planned.planHash, added: ['s2'], by: 'sampling' });
    expect(replanned['planHash']).toMatch(/^[0-9a-f]{16,}$/);
    expect(replanned['planHash']).not.toBe(planned.planHash);
    expect(decisions(rows, ['replanned', 'cancelled'])).toEqual([
      [null, 'replanned', 'model', null],
      [null, 'cancelled', 'model', 'cancel tool'],
    ]);
    expect(rows.find((row) => row.kind === 'cancelled')?.comment).toBe('taking too long');
  });

  it('records a corrective plan that never came as the system’s', async () => {
    h = await startHarness({ config: { hostReplanTimeoutMs: 100 } });
    const planned = await start(h, 'make it work', [{ description: 'Run false', action: 'execute', command: 'false' }]);
    expect((await finished(h, planned.taskId)).phase).toBe('failed');
    const notes = auditRows(h.db, planned.taskId).filter((row) => row.kind === 'note');
    expect(notes.map((row) => [row.actor, row.comment])).toEqual([
      ['system', 'no corrective steps came before the deadline; the task goes on without them'],
    ]);
  });
});
