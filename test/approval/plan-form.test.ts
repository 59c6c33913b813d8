import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, phaseRows, plan, status, step, type Planned } from '../engine-mcp/support.js';
import { APPROVE, DECLINE, DISMISS, REJECT, scriptedHuman } from './human.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Two steps; the first leaves a marker file when it really runs. */
function steps(dir: string) {
  return [
    { description: 'Write the release notes', action: 'shell', command: `touch ${join(dir, 'ran')}`, tier: 'write' },
    { description: 'Summarise them', action: 'plan', output: 'summary', depends_on: [0] },
  ];
}

async function planned(harness: Harness): Promise<Planned> {
  return plan(harness, 'ship the release', steps(harness.dir));
}

describe('plan approval through an elicitation form', () => {
  it('asks the user with the plan text and hash, and runs the plan once they approve', async () => {
    const human = scriptedHuman({ plan: [APPROVE] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const answer = await h.ok('approve', { taskId: p.taskId, planHash: p.planHash });
    expect(answer).toMatchObject({ taskId: p.taskId, decision: 'approve', via: 'form' });

    const [form] = human.planForms();
    expect(human.forms).toHaveLength(1);
    expect(form?.message).toContain('1. Write the release notes');
    expect(form?.message).toContain('2. Summarise them (after #1)');
    expect(form?.message).toContain(p.planHash);
    expect(form?.message).not.toContain('`approve` tool');
    expect(form?.requestedSchema).toEqual({
      type: 'object',
      properties: {
        decision: expect.objectContaining({ type: 'string', enum: ['approve', 'reject'] }),
        comment: expect.objectContaining({ type: 'string' }),
      },
      required: ['decision'],
    });
    const task = await finished(h, p.taskId);
    expect(task.phase).toBe('completed');
    expect(existsSync(join(h.dir, 'ran'))).toBe(true);
  });

  it('cancels the task when the user picks reject in the form, keeping their comment', async () => {
    const human = scriptedHuman({ plan: [REJECT] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const answer = await h.ok('approve', { taskId: p.taskId });
    expect(answer).toMatchObject({ decision: 'reject', via: 'form', phase: 'cancelled' });
    const task = await status(h, p.taskId);
    expect(step(task, 's1').reason).toBe('the user rejected the plan in the approval form: not on a Friday');
    expect(phaseRows(h.db, p.taskId)).toEqual(['planning', 'awaiting_approval', 'cancelled']);
    expect(existsSync(join(h.dir, 'ran'))).toBe(false);
  });

  it('cancels the task when the user declines the form, and never executes it', async () => {
    const human = scriptedHuman({ plan: [DECLINE] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const answer = await h.ok('approve', { taskId: p.taskId });
    expect(answer).toMatchObject({ decision: 'reject', phase: 'cancelled' });
    expect(step(await status(h, p.taskId), 's1').reason).toBe('the user declined the plan in the approval form');
    expect(phaseRows(h.db, p.taskId)).not.toContain('executing');
  });

  it('leaves the task awaiting approval with APPROVAL_DISMISSED when the user closes the form, and asks again on the next approve', async () => {
    const human = scriptedHuman({ plan: [DISMISS, APPROVE] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const dismissed = await h.call('approve', { taskId: p.taskId });
    expect(dismissed.isError).toBe(true);
    expect(errorCode(dismissed)).toBe('APPROVAL_DISMISSED');
    expect((await status(h, p.taskId)).phase).toBe('awaiting_approval');
    expect(phaseRows(h.db, p.taskId)).toEqual(['planning', 'awaiting_approval']);

    await h.ok('approve', { taskId: p.taskId });
    expect(human.planForms()).toHaveLength(2);
    expect((await finished(h, p.taskId)).phase).toBe('completed');
  });

  it('gives up with APPROVAL_TIMEOUT after approval.planTimeoutSeconds, withdrawing the form and changing nothing', async () => {
    const human = scriptedHuman({ plan: ['hang'] });
    h = await startHarness({ elicit: human.handler, config: { planApprovalTimeoutMs: 200 } });
    const p = await planned(h);
    const late = await h.call('approve', { taskId: p.taskId });
    expect(errorCode(late)).toBe('APPROVAL_TIMEOUT');
    expect(JSON.stringify(late.content)).toContain('200 ms');
    expect((await status(h, p.taskId)).phase).toBe('awaiting_approval');
    await expect.poll(() => human.withdrawn).toBe(1);
  });

  it('never starts a task on the model’s word alone: a dismissed or declined form leaves it unexecuted', async () => {
    const human = scriptedHuman({ plan: [DISMISS, DISMISS, DECLINE] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    // The model insists, with the right hash and its own comment: only the form's answer counts.
    for (let i = 0; i < 2; i += 1) {
      expect(
        errorCode(await h.call('approve', { taskId: p.taskId, planHash: p.planHash, decision: 'approve', comment: 'the user said yes' })),
      ).toBe('APPROVAL_DISMISSED');
    }
    expect((await status(h, p.taskId)).phase).toBe('awaiting_approval');
    await h.ok('approve', { taskId: p.taskId });
    expect((await status(h, p.taskId)).phase).toBe('cancelled');
    expect(phaseRows(h.db, p.taskId)).not.toContain('executing');
    expect(existsSync(join(h.dir, 'ran'))).toBe(false);
  });

  it('refuses a stale planHash with PLAN_CHANGED before showing any form', async () => {
    const human = scriptedHuman({ plan: [APPROVE] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    expect(errorCode(await h.call('approve', { taskId: p.taskId, planHash: 'not-the-plan' }))).toBe('PLAN_CHANGED');
    expect(human.forms).toHaveLength(0);
  });

  it('reports ELICITATION_FAILED when the client answers the form with an error, and leaves the task awaiting approval', async () => {
    const human = scriptedHuman({ plan: [new Error('the form widget crashed')] });
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const failed = await h.call('approve', { taskId: p.taskId });
    expect(errorCode(failed)).toBe('ELICITATION_FAILED');
    expect((await status(h, p.taskId)).phase).toBe('awaiting_approval');
  });

  it('lets the model reject without a form: rejecting runs nothing', async () => {
    const human = scriptedHuman();
    h = await startHarness({ elicit: human.handler });
    const p = await planned(h);
    const answer = await h.ok('approve', { taskId: p.taskId, decision: 'reject', comment: 'user changed their mind' });
    expect(answer).toMatchObject({ decision: 'reject', via: 'tool', phase: 'cancelled' });
    expect(human.forms).toHaveLength(0);
  });
});

describe('approval.policy', () => {
  it('"tool" ignores a client that can elicit: approve starts the task without a form', async () => {
    const human = scriptedHuman();
    h = await startHarness({ elicit: human.handler, config: { approvalPolicy: 'tool' } });
    const p = await planned(h);
    expect(await h.ok('approve', { taskId: p.taskId })).toMatchObject({ decision: 'approve', via: 'tool' });
    expect((await finished(h, p.taskId)).phase).toBe('completed');
    expect(human.forms).toHaveLength(0);
  });

  it('"elicitation" refuses approve from a client that cannot show forms with APPROVAL_NEEDS_HUMAN', async () => {
    h = await startHarness({ config: { approvalPolicy: 'elicitation' } });
    const p = await planned(h);
    const refused = await h.call('approve', { taskId: p.taskId, planHash: p.planHash });
    expect(refused.isError).toBe(true);
    expect(errorCode(refused)).toBe('APPROVAL_NEEDS_HUMAN');
    expect(JSON.stringify(refused.content)).toMatch(/cannot show one/);
    expect((await status(h, p.taskId)).phase).toBe('awaiting_approval');
    // Rejecting needs no human.
    await h.ok('approve', { taskId: p.taskId, decision: 'reject' });
    expect((await status(h, p.taskId)).phase).toBe('cancelled');
  });

  it('"auto" keeps the approve tool for clients without elicitation', async () => {
    h = await startHarness();
    const p = await planned(h);
    expect(await h.ok('approve', { taskId: p.taskId })).toMatchObject({ decision: 'approve', via: 'tool' });
    expect((await finished(h, p.taskId)).phase).toBe('completed');
  });
});
