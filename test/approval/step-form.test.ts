import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, plan, states, status, step, until, type Planned, type TaskViewT } from '../engine-mcp/support.js';
import { APPROVE, DECLINE, DISMISS, REJECT, heldReply, scriptedHuman, type HumanReply, type ScriptedHuman } from './human.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TIMEOUTS = (ms: number) => ({ read: 30_000, write: 60_000, execute: 120_000, destructive: ms, external: ms });

/** A destructive step that leaves a marker file when it really runs, a dependent and an independent sibling. */
function riskyPlan(dir: string) {
  return [
    { description: 'Drop the old table', action: 'shell', command: `touch ${join(dir, 'ran')}`, tier: 'destructive' },
    { description: 'Rebuild it', action: 'plan', output: 'rebuilt', depends_on: [0] },
    { description: 'Unrelated read', action: 'plan', output: 'read only', tier: 'read' },
  ];
}

/** A harness whose user approves the plan in a form and answers the step's form with `reply`. */
async function startRisky(reply: HumanReply, config: Partial<Config> = {}): Promise<{ human: ScriptedHuman; planned: Planned }> {
  const human = scriptedHuman({ plan: [APPROVE], step: [reply] });
  h = await startHarness({ elicit: human.handler, config });
  const planned = await plan(h, 'migrate', riskyPlan(h.dir));
  await h.ok('approve', { taskId: planned.taskId });
  return { human, planned };
}

/**
 * The user's client goes away with the step's form open. It closes only once the plan's approve
 * call has returned: the step's form goes out before that call answers.
 */
function clientGoneReply(): { reply: HumanReply; approved(): void } {
  let approved: () => void = () => {};
  const returned = new Promise<void>((resolve) => {
    approved = resolve;
  });
  const reply: HumanReply = async () => {
    await returned;
    await h!.client.close();
    return new Promise(() => {});
  };
  return { reply, approved };
}

/** `status` through another client than the harness's own (which has gone away). */
async function statusOf(client: Client, taskId: string, args: Record<string, unknown> = {}): Promise<TaskViewT> {
  return ((await client.callTool({ name: 'status', arguments: { taskId, ...args } })).structuredContent as { task: TaskViewT }).task;
}

describe('per-step confirmation through an elicitation form', () => {
  it('asks the user with the step description and tier, shows via "form" while waiting, and runs the step on approve', async () => {
    const held = heldReply();
    const { human, planned } = await startRisky(held.reply);
    await held.opened;
    const waiting = await until(h!, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    expect(waiting.awaiting).toEqual([
      expect.objectContaining({ kind: 'step_confirmation', stepId: 's1', tier: 'destructive', via: 'form' }),
    ]);
    expect(String(waiting.awaiting?.[0]?.['hint'])).toMatch(/form/);

    const [form] = human.stepForms();
    expect(form?.message).toContain('Drop the old table');
    expect(form?.message).toContain('destructive');
    expect(form?.message).toContain('touch ');
    expect(form?.requestedSchema).toMatchObject({
      type: 'object',
      properties: { decision: { type: 'string', enum: ['approve', 'reject'] } },
      required: ['decision'],
    });
    expect(existsSync(join(h!.dir, 'ran'))).toBe(false);

    held.answer(APPROVE);
    const task = await finished(h!, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'completed', s3: 'completed' });
    expect(existsSync(join(h!.dir, 'ran'))).toBe(true);
  });

  it('cancels the step when the user rejects it in the form: dependents skipped, task failed', async () => {
    const { planned } = await startRisky(REJECT);
    const task = await finished(h!, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation denied by the user in the form: not on a Friday');
    expect(step(task, 's2').reason).toBe('dependency s1 was not confirmed');
    expect(existsSync(join(h!.dir, 'ran'))).toBe(false);
  });

  it('cancels the step when the user declines the form', async () => {
    const { planned } = await startRisky(DECLINE);
    const task = await finished(h!, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation declined by the user in the form');
  });

  it('treats a dismissed form as denied: the step may not run unconfirmed', async () => {
    const { planned } = await startRisky(DISMISS);
    const task = await finished(h!, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation form dismissed by the user (treated as denied)');
    expect(existsSync(join(h!.dir, 'ran'))).toBe(false);
  });

  it('cancels the step after the tier timeout and withdraws the unanswered form', async () => {
    const { human, planned } = await startRisky('hang', { confirmationTimeoutsMs: TIMEOUTS(300) });
    const task = await finished(h!, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation timed out after 300 ms');
    await expect.poll(() => human.withdrawn).toBe(1);
  });

  it('refuses the model’s approve { stepId } with APPROVAL_NEEDS_HUMAN while the form is open', async () => {
    const held = heldReply();
    const { planned } = await startRisky(held.reply);
    await held.opened;
    await until(h!, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    const refused = await h!.call('approve', { taskId: planned.taskId, stepId: 's1', decision: 'approve' });
    expect(refused.isError).toBe(true);
    expect(errorCode(refused)).toBe('APPROVAL_NEEDS_HUMAN');
    expect(step(await status(h!, planned.taskId), 's1').state).toBe('awaiting_confirmation');
    expect(existsSync(join(h!.dir, 'ran'))).toBe(false);

    held.answer(APPROVE);
    expect((await finished(h!, planned.taskId)).phase).toBe('completed');
  });

  it('lets the model refuse a step during the form: the step is cancelled and the form withdrawn', async () => {
    const { human, planned } = await startRisky('hang');
    await until(h!, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    await expect.poll(() => human.stepForms().length).toBe(1);
    await h!.ok('approve', { taskId: planned.taskId, stepId: 's1', decision: 'reject' });
    const task = await finished(h!, planned.taskId);
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'skipped', s3: 'completed' });
    expect(step(task, 's1').reason).toBe('confirmation denied');
    await expect.poll(() => human.withdrawn).toBe(1);
  });

  it('falls back to approve { stepId } for the rest of the timeout when the client is gone', async () => {
    const gone = clientGoneReply();
    const { planned } = await startRisky(gone.reply);
    gone.approved();
    const other = await h!.connectClient();
    await expect.poll(async () => (await statusOf(other, planned.taskId)).awaiting?.[0]?.['via']).toBe('tool');
    const answer = await other.callTool({ name: 'approve', arguments: { taskId: planned.taskId, stepId: 's1' } });
    expect(answer.structuredContent).toMatchObject({ decision: 'approve', via: 'tool' });
    const task = await statusOf(other, planned.taskId, { waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(existsSync(join(h!.dir, 'ran'))).toBe(true);
  });

  it('under policy "elicitation", denies the step when the form cannot reach the client instead of falling back', async () => {
    const gone = clientGoneReply();
    const { planned } = await startRisky(gone.reply, { approvalPolicy: 'elicitation' });
    gone.approved();
    const other = await h!.connectClient();
    const task = await statusOf(other, planned.taskId, { waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'cancelled', reason: expect.stringMatching(/could not reach the client/) });
    expect(existsSync(join(h!.dir, 'ran'))).toBe(false);
  });

  it('under policy "tool", waits for approve { stepId } even when the client can show forms', async () => {
    const human = scriptedHuman();
    h = await startHarness({ elicit: human.handler, config: { approvalPolicy: 'tool' } });
    const planned = await plan(h, 'migrate', riskyPlan(h.dir));
    await h.ok('approve', { taskId: planned.taskId });
    const waiting = await until(h, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    expect(waiting.awaiting).toEqual([expect.objectContaining({ kind: 'step_confirmation', stepId: 's1', via: 'tool' })]);
    expect(String(waiting.awaiting?.[0]?.['hint'])).toContain('stepId: "s1"');
    await h.ok('approve', { taskId: planned.taskId, stepId: 's1' });
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    expect(human.forms).toHaveLength(0);
  });
});
