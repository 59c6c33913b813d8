/**
 * Retries (product §8): a step's `retry` policy (from the step, the config per action, or the
 * plugin) runs it again after a failure its plugin marks retryable, with exponential backoff and
 * jitter; each attempt is a row and an audit entry, status shows the attempt, and a cancel ends a
 * backoff wait at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/engine/run/retry.js';
import { ActionError } from '../../src/plugins/api.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { DECLINE, routedLlm, start, status, step, until, type TaskViewT } from './support.js';
import { z } from 'zod';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A command that fails (exit 1) until it has run `passOn` times, counting its runs in `counter`. */
function flaky(counter: string, passOn: number, exitCode = 1): string {
  return (
    `n=$(cat '${counter}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${counter}'; ` +
    `if [ $n -ge ${passOn} ]; then echo "passed on run $n"; else echo "run $n failed" >&2; exit ${exitCode}; fi`
  );
}

const runs = (counter: string): number => (existsSync(counter) ? Number(readFileSync(counter, 'utf8').trim()) : 0);
const quick = { backoffSeconds: 0.05, maxBackoffSeconds: 0.05 };

describe('retries', () => {
  it('runs a step with retry { attempts: 3 } that fails twice, then passes, to completion on attempt 3; status and audit show 3 attempts', async () => {
    h = await startHarness();
    const counter = join(h.dir, 'count');
    const planned = await start(h, 'flaky build', [
      { description: 'Build', action: 'shell', command: flaky(counter, 3), retry: { attempts: 3, ...quick } },
    ]);
    const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('completed');
    expect(step(task, 's1')).toMatchObject({ state: 'completed', attempt: 3, attempts: 3 });
    expect(step(task, 's1').outputs?.stdout).toBe('passed on run 3\n');
    expect(step(task, 's1').retryAt).toBeUndefined();
    expect(runs(counter)).toBe(3);

    const trail = await h.app.engine.audit(planned.taskId);
    expect(trail.attempts.map((a) => [a.stepId, a.attempt, a.outcome])).toEqual([
      ['s1', 1, 'failed'],
      ['s1', 2, 'failed'],
      ['s1', 3, 'completed'],
    ]);
    expect(trail.attempts[0]?.error).toContain('run 1 failed');
    const stepEntries = trail.entries.filter((e) => e.stepId === 's1').map((e) => [e.kind, e.details?.['attempt']]);
    expect(stepEntries).toEqual([
      ['step_failed', 1],
      ['step_attempt', 2],
      ['step_failed', 2],
      ['step_attempt', 3],
      ['step_completed', 3],
    ]);
    // The resource shows the attempts too.
    const resource = await h.client.readResource({ uri: `orchestrate://tasks/${planned.taskId}/audit` });
    const audit = JSON.parse((resource.contents[0] as { text: string }).text) as { attempts: unknown[] };
    expect(audit.attempts).toHaveLength(3);
  });

  it('shows the failed attempt and when the next one starts while it waits, and a cancel ends the wait at once', async () => {
    h = await startHarness();
    const counter = join(h.dir, 'count');
    const planned = await start(h, 'slow retry', [
      {
        description: 'Fetch',
        action: 'shell',
        command: flaky(counter, 9),
        retry: { attempts: 3, backoffSeconds: 600, maxBackoffSeconds: 600 },
      },
    ]);
    const waiting = await until(h, planned.taskId, (t) => step(t, 's1').retryAt !== undefined);
    expect(step(waiting, 's1')).toMatchObject({
      state: 'pending',
      attempt: 1,
      attempts: 3,
      error: expect.stringContaining('run 1 failed'),
    });
    const due = Date.parse(step(waiting, 's1').retryAt as string);
    // Half to all of the 600 s backoff (jitter).
    expect(due - Date.now()).toBeGreaterThan(290_000);
    expect(waiting.summaryText).toContain('s1 attempt 1/3 failed, next at');

    await h.ok('cancel', { taskId: planned.taskId, reason: 'enough' });
    // The cancel did not wait out the 10-minute backoff.
    const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 5 });
    expect(task.phase).toBe('cancelled');
    expect(step(task, 's1').state).toBe('cancelled');
    expect(runs(counter)).toBe(1);
  });

  it('does not retry a failure its plugin does not mark retryable, nor an exit code the policy does not list', async () => {
    let calls = 0;
    const strict = {
      apiVersion: 1 as const,
      name: 'strict',
      description: 'fails for good',
      tier: 'read' as const,
      input: z.object({}),
      run: async () => {
        calls += 1;
        throw new ActionError('the input is wrong; trying again will not help', { retryable: false });
      },
    };
    h = await startHarness({ plugins: [strict], llm: routedLlm({}, { repair: DECLINE }) });
    const counter = join(h.dir, 'count');
    const planned = await start(h, 'hopeless', [
      { description: 'Check', action: 'strict', retry: { attempts: 3, ...quick } },
      { description: 'Exit 2', action: 'shell', command: flaky(counter, 9, 2), retry: { attempts: 3, exitCodes: [75], ...quick } },
    ]);
    const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'failed', attempt: 1 });
    expect(calls).toBe(1);
    expect(step(task, 's2')).toMatchObject({ state: 'failed', attempt: 1 });
    expect(runs(counter)).toBe(1);
  });

  it('retries an exit code the policy lists', async () => {
    h = await startHarness();
    const counter = join(h.dir, 'count');
    const planned = await start(h, 'busy', [
      { description: 'Try', action: 'shell', command: flaky(counter, 2, 75), retry: { attempts: 2, exitCodes: [75], ...quick } },
    ]);
    const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(step(task, 's1')).toMatchObject({ state: 'completed', attempt: 2 });
  });

  it('takes the retry policy from the config per action when the step has none', async () => {
    h = await startHarness({
      config: { pluginOptions: { shell: { retry: { attempts: 2, ...quick } } } },
      llm: routedLlm({}, { repair: DECLINE }),
    });
    const counter = join(h.dir, 'count');
    const planned = await start(h, 'configured', [
      { description: 'Try', action: 'shell', command: flaky(counter, 2) },
      { description: 'Once only', action: 'shell', command: flaky(`${counter}-2`, 2), retry: { attempts: 1 }, depends_on: [0] },
    ]);
    const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
    expect(step(task, 's1')).toMatchObject({ state: 'completed', attempt: 2, attempts: 2 });
    // The step's own policy wins over the config's.
    expect(step(task, 's2')).toMatchObject({ state: 'failed', attempt: 1, attempts: 1 });
    expect((await status(h, planned.taskId)).phase).toBe('failed');
  });

  it('refuses a malformed retry policy or a step claiming to be safer than its action with PLAN_INVALID, naming the field', async () => {
    h = await startHarness();
    const bad = async (extra: Record<string, unknown>, base: Record<string, unknown> = { action: 'shell', command: 'true' }) =>
      h?.call('plan', { request: 'bad', steps: [{ description: 'x', ...base, ...extra }] });
    const attempts = await bad({ retry: { attempts: 0 } });
    expect(errorCode(attempts as never)).toBe('PLAN_INVALID');
    expect(JSON.stringify(attempts)).toContain('retry.attempts');
    const unknownField = await bad({ retry: { attempts: 2, forever: true } });
    expect(errorCode(unknownField as never)).toBe('PLAN_INVALID');
    const safer = await bad({ effects: 'none' }, { action: 'notify', message: 'hello' });
    expect(errorCode(safer as never)).toBe('PLAN_INVALID');
    expect(JSON.stringify(safer)).toContain('may not claim to be safer');
    const which = await bad({ effects: 'sometimes' });
    expect(JSON.stringify(which)).toContain('effects: must be one of none, idempotent, side-effecting');
    // A shell step may say its command is safe to repeat; the plan shows it to the approver.
    const build = await h.ok<{ planText: string }>('plan', {
      request: 'build',
      steps: [{ description: 'Build', action: 'shell', command: 'make', effects: 'idempotent', retry: { attempts: 2 } }],
    });
    expect(build.planText).toContain('Build (idempotent: re-runs by itself after a crash; up to 2 attempts)');
  });
});

describe('backoff', () => {
  it('doubles from backoffSeconds per failed attempt, capped at maxBackoffSeconds, with jitter between half and all of it', () => {
    const policy = { attempts: 6, backoffSeconds: 1, maxBackoffSeconds: 5 };
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n, () => 1))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n, () => 0))).toEqual([500, 1_000, 2_000, 2_500]);
    expect(backoffMs({ attempts: 2, backoffSeconds: 0, maxBackoffSeconds: 0 }, 1)).toBe(0);
  });
});
