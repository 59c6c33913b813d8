/**
 * Tiers never drop (product §10), through a real client: however a planner spells a tier, and
 * whatever it wrote for a deleting or pushing command, the step waits for a human's confirmation.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { fenced } from '../helpers/llm.js';
import { finished, plan, routedLlm, step, until, type Planned } from './support.js';

let h: Harness | undefined;
/** The task working directory, made before the server so that a test can put files in it. */
let workdir: string;
beforeEach(() => {
  workdir = mkdtempSync(join(tmpdir(), 'orchestrate-tiers-'));
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  rmSync(workdir, { recursive: true, force: true });
});

/** Plans by sampling with `reply`, approves the plan and returns what the client was shown. */
async function sampled(reply: string): Promise<Planned> {
  h = await startHarness({ workdir, llm: routedLlm({ decompose: [reply] }) });
  const planned = await h.ok<Planned>('plan', { request: 'tidy up' });
  await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  return planned;
}

async function awaitsConfirmation(harness: Harness, taskId: string, stepId = 's1'): Promise<void> {
  const task = await until(harness, taskId, (t) => step(t, stepId).state === 'awaiting_confirmation');
  expect(task.awaiting).toEqual([expect.objectContaining({ kind: 'step_confirmation', stepId })]);
}

describe('planner tiers in any spelling', () => {
  it.each(['Destructive', 'DESTRUCTIVE', 'high'])('holds a sampled step marked %j for confirmation', async (tier) => {
    const marker = join(workdir, 'ran');
    const planned = await sampled(fenced([{ description: 'Drop the cache table', action: 'shell', command: `touch ${marker}`, tier }]));
    expect(planned.steps[0]?.tier).toBe('destructive');
    expect(planned.planText).toContain('  1. Drop the cache table (destructive — extra confirmation)\n');
    await awaitsConfirmation(h!, planned.taskId);
    expect(existsSync(marker)).toBe(false);
  });

  it('raises a sampled tier that names no tier to destructive', async () => {
    const planned = await sampled(fenced([{ description: 'Something odd', action: 'research', query: 'x', tier: 'medium-high' }]));
    expect(planned.steps[0]?.tier).toBe('destructive');
    await awaitsConfirmation(h!, planned.taskId);
  });

  it('accepts the same spellings in a plan the host writes', async () => {
    h = await startHarness();
    const planned = await plan(h, 'host tiers', [
      { description: 'a', action: 'plan', output: 'x', tier: 'DESTRUCTIVE' },
      { description: 'b', action: 'plan', output: 'y', tier: 'third-party' },
      { description: 'c', action: 'plan', output: 'z', tier: 'Read-Only' },
    ]);
    expect(planned.steps.map((s) => s.tier)).toEqual(['destructive', 'external', 'read']);
  });

  it("never lets a step's tier fall below its action's own tier, but lets a planner raise it", async () => {
    h = await startHarness();
    const planned = await h.ok('plan', {
      request: 'tiers',
      steps: [
        { description: 'Run something', action: 'shell', command: 'true', tier: 'read' },
        { description: 'Look it up', action: 'research', query: 'q', tier: 'destructive' },
        { description: 'Note it', action: 'plan', output: 'x' },
      ],
    });
    expect(planned.steps.map((s: any) => s.tier)).toEqual(['execute', 'destructive', 'read']);
  });
});

describe('commands raise the tier', () => {
  it('holds a sampled `rm -rf build` without a tier for confirmation and says why in the plan', async () => {
    mkdirSync(join(workdir, 'build'));
    h = await startHarness({
      workdir,
      llm: routedLlm({ decompose: [fenced([{ description: 'Clean the build', action: 'shell', command: 'rm -rf build' }])] }),
    });
    const planned = await h.ok<Planned>('plan', { request: 'clean' });
    expect(planned.steps[0]?.tier).toBe('destructive');
    expect(planned.planText).toContain(
      '  1. Clean the build (destructive — extra confirmation; raised: rm -r deletes recursively)\n     shell: rm -rf build\n',
    );
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await awaitsConfirmation(h, planned.taskId);
    expect(existsSync(join(workdir, 'build'))).toBe(true);
  });

  it('holds `git push --force` written as "read" for confirmation, as external', async () => {
    const planned = await sampled(
      fenced([{ description: 'Publish the fix', action: 'shell', command: 'git push --force origin main', tier: 'read' }]),
    );
    expect(planned.steps[0]?.tier).toBe('external');
    expect(planned.planText).toContain(
      '(external call — extra confirmation; raised: git push reaches a remote repository; git push --force overwrites remote history)',
    );
    await awaitsConfirmation(h!, planned.taskId);
  });

  it('raises a host-written `execute` step the same way', async () => {
    h = await startHarness();
    const planned = await plan(h, 'host', [
      { description: 'Fetch', action: 'execute', command: 'curl -s https://example.com', tier: 'read' },
    ]);
    expect(planned.steps[0]?.tier).toBe('external');
    expect(planned.planText).toContain('raised: curl reaches the network');
  });

  it('raises the steps of a sampled replan', async () => {
    h = await startHarness({
      llm: routedLlm({
        repair: [fenced([{ description: 'Start over', action: 'shell', command: 'rm -rf out && mkdir out', tier: 'write' }])],
      }),
    });
    const planned = await plan(h, 'fix it', [{ description: 'Fail', action: 'execute', command: 'false' }]);
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    const task = await until(h, planned.taskId, (t) => t.steps.some((s) => s.id === 's2' && s.state === 'awaiting_confirmation'));
    expect(step(task, 's2').tier).toBe('destructive');
  });

  it('lets harmless commands run without a confirmation', async () => {
    const planned = await sampled(
      fenced([{ description: 'Look around', action: 'shell', command: 'ls -la && echo "rm -rf /" && grep -r x . || true' }]),
    );
    expect(planned.steps[0]?.tier).toBe('execute');
    expect((await finished(h!, planned.taskId)).phase).toBe('completed');
  });
});

describe('forbidden binaries in shell lines', () => {
  it.each([`sh -c 'dd if=/dev/zero of=x'`, 'echo hi && dd if=/dev/zero of=x', 'echo $(mkfs /dev/sda)'])(
    'refuses a sampled shell step running %j with PLAN_INVALID naming the step and field',
    async (command) => {
      h = await startHarness({
        llm: routedLlm({
          decompose: [
            fenced([
              { description: 'Look', action: 'shell', command: 'ls' },
              { description: 'Zero it', action: 'shell', command },
            ]),
          ],
        }),
      });
      const result = await h.call('plan', { request: 'zero' });
      expect(errorCode(result)).toBe('PLAN_INVALID');
      const error = (result.structuredContent as { error: { message: string; details: Record<string, unknown> } }).error;
      expect(error.details).toMatchObject({ step: 2, field: 'command' });
      expect(error.message).toMatch(/^step 2 \("Zero it"\): command: runs `(dd|mkfs)`, which `exec.forbidden` forbids/);
    },
  );
});

describe('a messy sampled reply', () => {
  it('with numbers written as text still yields a valid plan', async () => {
    const reply =
      'Sure, here it is:\n```json\n' +
      JSON.stringify([
        { description: 'Find the notes', action: 'research', query: 'notes', estimated_tokens: '250', tier: 'Read' },
        { description: 'Outline', action: 'plan', output: 'outline', depends_on: '0', estimated_tokens: 80.4 },
        {
          description: 'List files',
          action: 'shell',
          command: 'ls',
          depends_on: ['0', '1'],
          estimated_tokens: -3,
          notes: { why: 'check' },
        },
        { description: 'Summarise', action: 'plan', output: 'done', depends_on: '1, 2', estimated_tokens: 'about 100' },
      ]) +
      '\n```';
    h = await startHarness({ llm: routedLlm({ decompose: [reply] }) });
    const planned = await h.ok<Planned>('plan', { request: 'summarise' });
    expect(planned.phase).toBe('awaiting_approval');
    expect(planned.steps.map((s) => [s.id, s.dependsOn, s.tier])).toEqual([
      ['s1', [], 'read'],
      ['s2', ['s1'], 'read'],
      ['s3', ['s1', 's2'], 'execute'],
      ['s4', ['s2', 's3'], 'read'],
    ]);
  });
});
