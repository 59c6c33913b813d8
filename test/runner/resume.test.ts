/**
 * The runner keeps the durable-execution promises (run `npm run build` first): a runner killed
 * mid-task is replaced by the next bridge and the task resumes by the resume rules; work that needs
 * a sampling client waits, visibly, for one; a client sees another's task change as it happens.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { routedLlm } from '../engine-mcp/support.js';
import { processAlive, readPid } from '../helpers/bin.js';
import { killQuietly, RunnerSandbox } from './support.js';

let sandbox: RunnerSandbox;

beforeEach(() => {
  sandbox = new RunnerSandbox();
});
afterEach(async () => {
  const orphan = readPid(join(sandbox.dir, 'sleep.pid'));
  if (orphan !== undefined && processAlive(orphan)) killQuietly(orphan);
  await sandbox.cleanup();
});

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('the runner and durable execution', () => {
  it('resumes a task after its runner is SIGKILLed mid-step: the next bridge starts a runner, which asks about the interrupted step and finishes the task', async () => {
    const pidFile = join(sandbox.dir, 'sleep.pid');
    const marks = join(sandbox.dir, 'marks.txt');
    const go = join(sandbox.dir, 'go');
    const a = await sandbox.connect();
    const planned = await a.ok('plan', {
      request: 'mark, wait, finish',
      steps: [
        { description: 'Say first', action: 'shell', command: `echo first >> '${marks}'` },
        {
          description: 'Mark, then wait',
          action: 'shell',
          command: `echo slept >> '${marks}'; if [ -f '${go}' ]; then echo woke; else echo $$ > '${pidFile}'; exec sleep 3600; fi`,
          depends_on: [0],
        },
        { description: 'Say last', action: 'shell', command: `echo last >> '${marks}'`, depends_on: [1] },
      ],
    });
    await a.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await expect.poll(() => readPid(pidFile), { timeout: 15_000 }).toBeTypeOf('number');
    const sleeper = readPid(pidFile) as number;
    const runner = await sandbox.oneRunner();
    killQuietly(runner);
    await expect.poll(() => processAlive(runner), { timeout: 5_000 }).toBe(false);
    await a.close();
    writeFileSync(go, '');

    const b = await sandbox.connect();
    expect(await sandbox.oneRunner()).not.toBe(runner);
    // The new runner stops what the dead one left running, then asks: the step is side-effecting.
    await expect.poll(() => processAlive(sleeper), { timeout: 10_000 }).toBe(false);
    let waiting: any;
    await expect
      .poll(
        async () => {
          waiting = (await b.ok('status', { taskId: planned.taskId })).task;
          return waiting.steps[1].reason;
        },
        { timeout: 10_000 },
      )
      .toBe('interrupted');
    expect(waiting.steps.map((s: { state: string }) => s.state)).toEqual(['completed', 'awaiting_confirmation', 'pending']);
    expect(waiting.awaiting).toEqual([expect.objectContaining({ kind: 'step_interrupted', stepId: 's2' })]);
    await b.ok('approve', { taskId: planned.taskId, stepId: 's2', decision: 'retry' });
    const { task } = await b.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(lines(marks)).toEqual(['first', 'slept', 'slept', 'last']);
  });

  it('keeps a research step whose approving client has gone waiting for a client that samples, and runs it when one connects', async () => {
    const go = join(sandbox.dir, 'go');
    const approver = await sandbox.connect([], { llm: routedLlm({}) });
    const planned = await approver.ok('plan', {
      request: 'wait, then look something up',
      steps: [
        { description: 'Wait for the go signal', action: 'shell', command: `while [ ! -f '${go}' ]; do sleep 0.05; done` },
        { description: 'Look it up', action: 'research', query: 'what changed in the release?', depends_on: [0] },
      ],
    });
    await approver.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await approver.close();
    writeFileSync(go, '');

    const bystander = await sandbox.connect();
    await expect
      .poll(
        async () => {
          const { task } = await bystander.ok('status', { taskId: planned.taskId });
          return (task.awaiting ?? []).map((a: { kind: string; needs?: string; stepId?: string }) => `${a.kind}:${a.needs}:${a.stepId}`);
        },
        { timeout: 15_000 },
      )
      .toEqual(['client:sampling:s2']);

    const llm = routedLlm({}, { research: () => 'The release **renamed** the config key `retries` to `retry`.\n' });
    await sandbox.connect([], { llm });
    const { task } = await bystander.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    expect(task.steps[1].summary).toContain('renamed');
    expect(llm.requests).toHaveLength(1);
  });

  it('wakes a client’s status { waitUntil: "change" } when a step finishes in a task another client approved', async () => {
    const go = join(sandbox.dir, 'go');
    const a = await sandbox.connect();
    const b = await sandbox.connect();
    const planned = await a.ok('plan', {
      request: 'wait for a signal',
      steps: [{ description: 'Wait for the go signal', action: 'shell', command: `while [ ! -f '${go}' ]; do sleep 0.02; done` }],
    });
    await a.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await expect
      .poll(async () => (await b.ok('status', { taskId: planned.taskId })).task.steps[0].state, { timeout: 10_000 })
      .toBe('running');
    // Each long-poll returns on a change of the task (the step's processes being recorded, its end);
    // one that slept to its 50 s timeout would take the loop past the deadline.
    const started = Date.now();
    const woken = (async () => {
      for (let polls = 1; ; polls += 1) {
        const { task } = await b.ok('status', { taskId: planned.taskId, waitUntil: 'change', timeoutSeconds: 50 });
        if (task.steps[0].state !== 'running') return { task, polls };
      }
    })();
    writeFileSync(go, '');
    const { task, polls } = await woken;
    expect(task.steps[0].state).toBe('completed');
    expect(polls).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
