import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin } from '../../src/plugins/api.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import type { ScriptedLlm } from '../helpers/llm.js';
import {
  DECLINE,
  auditRows,
  concurrencyProbe,
  finished,
  kinds,
  plan,
  routedLlm,
  start,
  states,
  step,
  stubbornPlugin,
  throwingPlugin,
  until,
  userText,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A sampling client whose model declines every replan, like the seed's mock decomposer. */
function decliningLlm(): ScriptedLlm {
  return routedLlm({}, { repair: DECLINE });
}

const DIAMOND = (action: string, extra: (i: number) => Record<string, unknown> = () => ({})) => [
  { description: 'a', action, ...extra(0) },
  { description: 'b', action, depends_on: [0], ...extra(1) },
  { description: 'c', action, depends_on: [0], ...extra(2) },
  { description: 'd', action, depends_on: [1, 2], ...extra(3) },
];

describe('running steps', () => {
  it('runs a research step and an execute step after it to completed without an LLM, auditing each', async () => {
    h = await startHarness();
    const planned = await start(h, 'check the toolchain', [
      { description: 'Research the test topic', action: 'research', query: 'test', tier: 'read' },
      { description: 'Test that echo works', action: 'execute', command: 'echo hello', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(task.counts).toMatchObject({ completed: 2, failed: 0, skipped: 0, cancelled: 0, total: 2 });
    expect(step(task, 's1')).toMatchObject({ state: 'completed', summary: 'Researched (no LLM attached): test' });
    expect(step(task, 's1').outputs?.stdout).toBe('Research query: test');
    expect(step(task, 's2')).toMatchObject({ state: 'completed', summary: 'Command succeeded: echo hello' });
    expect(step(task, 's2').outputs).toMatchObject({ stdout: 'hello\n', stderr: '', exitCode: 0, artifacts: [], truncated: false });
    expect(Date.parse(step(task, 's2').startedAt as string)).toBeGreaterThanOrEqual(Date.parse(step(task, 's1').finishedAt as string));
    expect(task.summaryText).toContain('Completed: "check the toolchain" — all 2 steps succeeded');

    const audit = auditRows(h.db, planned.taskId).filter((r) => r.step_id !== null && r.kind.startsWith('step_'));
    expect(audit.map((r) => [r.step_id, r.decision, r.outcome, r.tier, r.exit_code])).toEqual([
      ['s1', 'step executed', 'success', 'read', 0],
      ['s2', 'step executed', 'success', 'execute', 0],
    ]);
    expect(audit[1]).toMatchObject({
      request: 'Test that echo works',
      action: 'Command succeeded: echo hello',
      stdout: 'hello\n',
      source: 'orchestrator',
    });
  });

  it('skips every transitive dependent of a failed step with "dependency <id> failed" and lets siblings finish', async () => {
    h = await startHarness({ plugins: [throwingPlugin('boom', 'disk on fire')], llm: decliningLlm() });
    const planned = await start(h, 'chain', [
      { description: 'Break', action: 'boom' },
      { description: 'Needs the break', action: 'plan', output: 'x', depends_on: [0] },
      { description: 'Needs that', action: 'plan', output: 'y', depends_on: [1] },
      { description: 'Independent sibling', action: 'shell', command: 'echo sibling' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'failed', s2: 'skipped', s3: 'skipped', s4: 'completed' });
    expect(step(task, 's1').error).toBe('disk on fire');
    expect(step(task, 's2').reason).toBe('dependency s1 failed');
    expect(step(task, 's3').reason).toBe('dependency s1 failed');
    expect(step(task, 's4').outputs?.stdout).toBe('sibling\n');
    expect(task.summaryText.split('\n')).toEqual([
      'Failed: "chain" — 1/4 succeeded, 1 failed, 2 skipped',
      '  1. ✗ Break — disk on fire',
      '  2. — Needs the break (skipped: dependency s1 failed)',
      '  3. — Needs that (skipped: dependency s1 failed)',
      '  4. ✓ Independent sibling — Shell command succeeded: echo sibling',
      '',
      '─── Result ───',
      'sibling',
    ]);
    const audit = auditRows(h.db, planned.taskId).filter((r) => r.step_id !== null);
    expect(audit.map((r) => [r.step_id, r.decision, r.outcome])).toEqual([
      ['s1', 'step failed', 'failure'],
      ['s4', 'step executed', 'success'],
    ]);
    expect(audit[0]).toMatchObject({ action: 'disk on fire', request: 'Break', tier: 'read', stdout: null, exit_code: null });
  });

  it('fails a non-zero exit with "Command failed (exit 1): false" and skips its dependent', async () => {
    h = await startHarness({ llm: decliningLlm() });
    const planned = await start(h, 'run false', [
      { description: 'Run false', action: 'execute', command: 'false' },
      { description: 'Write after', action: 'plan', output: 'after', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'failed', error: 'Command failed (exit 1): false' });
    expect(step(task, 's2')).toMatchObject({ state: 'skipped', reason: 'dependency s1 failed' });
  });

  it('appends only the last five stderr lines to a command failure', async () => {
    h = await startHarness({ llm: decliningLlm() });
    const command = "sh -c 'for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 3'";
    const planned = await start(h, 'noisy', [
      { description: 'Noisy argv', action: 'execute', command },
      { description: 'Noisy shell', action: 'shell', command: '  echo bad >&2; exit 4  ' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').error).toBe(`Command failed (exit 3): ${command}\nstderr: line3\nline4\nline5\nline6\nline7`);
    expect(step(task, 's2').error).toBe('Shell command failed (exit 4): echo bad >&2; exit 4\nstderr: bad');
  });

  it('fails steps the sandbox refuses (forbidden binary, metadata address, missing binary) with plain-language errors', async () => {
    // dd of= is destructive and curl external: both pre-approved here, so that they reach the sandbox.
    h = await startHarness({ llm: decliningLlm(), config: { autoApproveTiers: ['destructive', 'external'] } });
    const planned = await start(h, 'refused', [
      { description: 'Copy a disk', action: 'execute', command: 'dd if=/dev/zero of=/dev/null count=1' },
      { description: 'Ask the metadata service', action: 'shell', command: 'curl http://169.254.169.254/latest' },
      { description: 'Run a missing tool', action: 'execute', command: 'no-such-binary-for-tests --version' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(states(task)).toEqual({ s1: 'failed', s2: 'failed', s3: 'failed' });
    expect(step(task, 's1').error).toBe('`dd` is explicitly forbidden by config and cannot run.');
    expect(step(task, 's2').error).toBe('`sh` was blocked: the cloud metadata address is off limits.');
    expect(step(task, 's3').error).toMatch(/^`no-such-binary-for-tests` failed to run: /);
  });

  it('writes stdout to a trailing "> file" and lists it as an artifact; ">>" appends', async () => {
    h = await startHarness();
    const dir = h.dir;
    writeFileSync(join(dir, 'log.txt'), 'first\n');
    const planned = await start(h, 'redirect', [
      { description: 'Save a greeting', action: 'execute', command: 'echo hello > out.txt' },
      { description: 'Append to the log', action: 'execute', command: 'echo second >> log.txt', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.artifacts).toEqual([join(dir, 'out.txt')]);
    expect(step(task, 's1').summary).toBe('Command succeeded: echo hello > out.txt');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('hello\n');
    expect(step(task, 's2').outputs?.artifacts).toEqual([join(dir, 'log.txt')]);
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toBe('first\nsecond\n');
  });

  it('fails a plan step with blank output, telling the planner to re-plan with concrete steps, and keeps non-blank output verbatim', async () => {
    h = await startHarness({ llm: decliningLlm() });
    const long = `${'x'.repeat(200)}\nrest`;
    const planned = await start(h, 'texts', [
      { description: 'Say nothing', action: 'plan', output: ' \n  ' },
      { description: 'Say something long', action: 'plan', output: `\n\n  ${long}` },
    ]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').error).toBe(
      "Plan step 'Say nothing' had no output to produce — the planner did not specify what this step should write. " +
        'Re-plan with concrete steps (research/execute/implement).',
    );
    expect(step(task, 's2').state).toBe('completed');
    expect(step(task, 's2').outputs?.stdout).toBe(`\n\n  ${long}`);
    expect(step(task, 's2').outputs?.exitCode).toBeNull();
    expect(step(task, 's2').summary).toBe(`${'x'.repeat(157)}…`);
  });

  it('fails a step whose plugin throws and one that outlives its timeout, aborting its signal', async () => {
    const slow = stubbornPlugin('slow', { timeoutMs: 200 });
    h = await startHarness({ plugins: [throwingPlugin('boom', 'kaboom: bad input'), slow.plugin], llm: decliningLlm() });
    const planned = await start(h, 'plugins misbehave', [
      { description: 'Throw', action: 'boom' },
      { description: 'Hang', action: 'slow' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(step(task, 's1')).toMatchObject({ state: 'failed', error: 'kaboom: bad input' });
    expect(step(task, 's2').state).toBe('failed');
    expect(step(task, 's2').error).toBe('Action "slow" timed out after 200 ms.');
    expect(slow.signals).toHaveLength(1);
    expect(slow.signals[0]?.aborted).toBe(true);
    slow.release();
  });

  it("lets the config override a plugin's own timeout (plugins.<name>.timeoutSeconds)", async () => {
    const slow = stubbornPlugin('slow', { timeoutMs: 3_600_000 });
    h = await startHarness({ plugins: [slow.plugin], llm: decliningLlm(), config: { pluginOptions: { slow: { timeoutSeconds: 0.25 } } } });
    const planned = await start(h, 'hang', [{ description: 'Hang', action: 'slow' }]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').error).toBe('Action "slow" timed out after 250 ms.');
    slow.release();
  });

  it('hands a step the outputs of the steps it depends on', async () => {
    const probe = concurrencyProbe('probe', 5);
    h = await startHarness({ plugins: [probe.plugin] });
    const planned = await start(h, 'deps', DIAMOND('probe'));
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    expect(Object.keys(probe.stats.deps['s1'] ?? {})).toEqual([]);
    expect(Object.keys(probe.stats.deps['s4'] ?? {}).sort()).toEqual(['s2', 's3']);
    expect(probe.stats.deps['s4']?.['s2']).toEqual({
      stepId: 's2',
      action: 'probe',
      description: 'b',
      summary: 'probed s2',
      stdout: 'out of s2',
      data: null,
      artifacts: [],
    });
  });

  it('reports step start, finish and failure to the client as log notifications', async () => {
    h = await startHarness({ llm: decliningLlm() });
    const planned = await start(h, 'logs', [
      { description: 'Fine', action: 'plan', output: 'ok' },
      { description: 'Broken', action: 'execute', command: 'false' },
    ]);
    await finished(h, planned.taskId);
    const harness = h;
    await expect
      .poll(() => harness.logs.filter((l) => (l.data as { taskId?: string }).taskId === planned.taskId).length)
      .toBeGreaterThanOrEqual(4);
    const events = harness.logs
      .map((l) => ({ level: l.level, ...(l.data as { event: string; stepId?: string; taskId?: string }) }))
      .filter((e) => e.taskId === planned.taskId && e.event.startsWith('step_'))
      .map((e) => `${e.level}:${e.event}:${e.stepId}`);
    expect(events).toEqual(
      expect.arrayContaining(['info:step_started:s1', 'info:step_completed:s1', 'info:step_started:s2', 'error:step_failed:s2']),
    );
  });
});

describe('waves and parallelism', () => {
  it('overlaps independent steps with maxParallel 4', async () => {
    const flight = { now: 0, peak: 0 };
    const slowAnswer = async (): Promise<string> => {
      flight.now += 1;
      flight.peak = Math.max(flight.peak, flight.now);
      await new Promise((resolve) => setTimeout(resolve, 50));
      flight.now -= 1;
      return 'An answer.';
    };
    h = await startHarness({ llm: routedLlm({}, { research: slowAnswer }), config: { maxParallel: 4 } });
    const planned = await start(h, 'diamond', DIAMOND('research'));
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(flight.peak).toBe(2);
  });

  it('keeps execution strictly sequential with maxParallel 1', async () => {
    const flight = { now: 0, peak: 0, calls: 0 };
    const slowAnswer = async (): Promise<string> => {
      flight.calls += 1;
      flight.now += 1;
      flight.peak = Math.max(flight.peak, flight.now);
      await new Promise((resolve) => setTimeout(resolve, 50));
      flight.now -= 1;
      return 'An answer.';
    };
    h = await startHarness({ llm: routedLlm({}, { research: slowAnswer }), config: { maxParallel: 1 } });
    const planned = await start(h, 'diamond', DIAMOND('research'));
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    expect(flight.calls).toBe(4);
    expect(flight.peak).toBe(1);
  });

  it.each([
    [4, 4],
    [1, 1],
    [0, 1],
  ])('runs at most maxParallel=%i probe steps of a six-step wave at once (peak %i)', async (maxParallel, peak) => {
    const probe = concurrencyProbe('probe', 50);
    h = await startHarness({ plugins: [probe.plugin], config: { maxParallel } });
    const planned = await start(
      h,
      'fan out',
      Array.from({ length: 6 }, (_, i) => ({ description: `leaf ${i + 1}`, action: 'probe' })),
    );
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    expect(probe.stats.calls).toBe(6);
    expect(probe.stats.peak).toBe(peak);
  });

  it('starts a step only after every dependency completed', async () => {
    const probe = concurrencyProbe('probe', 20);
    h = await startHarness({ plugins: [probe.plugin], config: { maxParallel: 4 } });
    const planned = await start(h, 'diamond', DIAMOND('probe'));
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    const at = (event: string): number => probe.stats.events.indexOf(event);
    expect(at('start:s2')).toBeGreaterThan(at('end:s1'));
    expect(at('start:s3')).toBeGreaterThan(at('end:s1'));
    expect(at('start:s4')).toBeGreaterThan(at('end:s2'));
    expect(at('start:s4')).toBeGreaterThan(at('end:s3'));
    expect(probe.stats.events).toHaveLength(8);
  });

  it('lets siblings in a parallel wave finish when one fails, and skips the join', async () => {
    const llm = decliningLlm();
    h = await startHarness({ config: { maxParallel: 4 }, llm });
    const planned = await start(
      h,
      'diamond with a hole',
      DIAMOND('plan', (i) => ({ output: i === 1 ? '' : `text ${i}` })),
    );
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'failed', s3: 'completed', s4: 'skipped' });
    expect(step(task, 's4').reason).toBe('dependency s2 failed');
    expect(task.replanAttempts).toBe(0);
    // The model was asked once for a repair and declined, as the seed's mock decomposer does.
    expect(kinds(llm)).toEqual(['repair']);
  });

  it('counts only the steps that really run as running; the rest of a wide wave waits as pending', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = definePlugin({
      apiVersion: 1,
      name: 'held',
      description: 'Waits until the test lets it go.',
      tier: 'read',
      input: z.object({}),
      run: async () => {
        await gate;
        return { summary: 'released' };
      },
    });
    h = await startHarness({ plugins: [held], config: { maxParallel: 2 } });
    const planned = await h.ok('plan', {
      request: 'six at once',
      steps: Array.from({ length: 6 }, (_, i) => ({ description: `Hold ${i + 1}`, action: 'held' })),
    });
    await h.ok('approve', { taskId: planned.taskId });
    await expect.poll(async () => (await h!.ok('status', { taskId: planned.taskId })).task.counts.running).toBe(2);
    const { task } = await h.ok('status', { taskId: planned.taskId });
    expect(task.counts).toMatchObject({ running: 2, pending: 4 });
    release();
    const done = await h.ok('status', { taskId: planned.taskId, waitUntil: 'terminal' });
    expect(done.task.counts.completed).toBe(6);
  });
});

describe('LLM-backed actions', () => {
  it('research and review degrade to "(no LLM attached)" without sampling', async () => {
    h = await startHarness();
    const planned = await start(h, 'think', [
      { description: 'Look up vitest 4', action: 'research', query: 'vitest 4 changes' },
      { description: 'Review the plan', action: 'review', artifact: 'PLAN.md', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1')).toMatchObject({ summary: 'Researched (no LLM attached): vitest 4 changes' });
    expect(step(task, 's1').outputs?.stdout).toBe('Research query: vitest 4 changes');
    expect(step(task, 's2')).toMatchObject({ summary: 'Review requested (no LLM attached): PLAN.md' });
    expect(step(task, 's2').outputs).toMatchObject({ stdout: '', artifacts: ['PLAN.md'] });
  });

  it('research and review ask the LLM of the session that approved the task, in the background', async () => {
    const llm = routedLlm({
      research: ['\n\n  Vitest 4 drops the old pool options.  \nMore detail follows.'],
      review: ['   '],
    });
    h = await startHarness();
    const planned = await plan(h, 'think', [
      { description: 'Look up vitest 4', action: 'research', query: 'vitest 4 changes' },
      { description: 'Review the findings', action: 'review', artifact: 'the findings', depends_on: [0] },
    ]);
    const sampler = await h.connectClient(llm);
    await sampler.callTool({ name: 'approve', arguments: { taskId: planned.taskId } });
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(kinds(llm)).toEqual(['research', 'review']);
    expect(userText(llm.requests[0]!)).toBe('vitest 4 changes');
    expect(step(task, 's1').summary).toBe('Vitest 4 drops the old pool options.');
    expect(step(task, 's1').outputs?.stdout).toBe('\n\n  Vitest 4 drops the old pool options.  \nMore detail follows.');
    expect(userText(llm.requests[1]!)).toContain('Review this artifact: the findings');
    expect(userText(llm.requests[1]!)).toContain('## Output of "Look up vitest 4"\nVitest 4 drops the old pool options.');
    expect(step(task, 's2').summary).toBe('Reviewed: the findings');
    expect(step(task, 's2').outputs?.artifacts).toEqual(['the findings']);
  });

  it('falls back to "Research: <query>" on a blank answer and fails the step on an LLM error', async () => {
    const llm = routedLlm({ research: ['', new Error('rate limited')], repair: [DECLINE] });
    h = await startHarness({ llm, config: { maxParallel: 1 } });
    const planned = await start(h, 'ask twice', [
      { description: 'Ask blank', action: 'research', query: 'first question' },
      { description: 'Ask failing', action: 'research', query: 'second question', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1')).toMatchObject({ state: 'completed', summary: 'Research: first question' });
    expect(step(task, 's2').state).toBe('failed');
    expect(step(task, 's2').error).toMatch(/^LLM research failed: .*rate limited/);
    expect(task.phase).toBe('failed');
  });
});

describe('a client that goes away', () => {
  it('keeps a research step whose client vanished mid-request waiting for a client that samples, then runs it there', async () => {
    const asked: string[] = [];
    const llm = routedLlm(
      {},
      {
        research: () => {
          asked.push('research');
          return new Promise<string>(() => {});
        },
      },
    );
    h = await startHarness({ config: { hostReplanTimeoutMs: 200 } });
    const planned = await plan(h, 'ask then vanish', [{ description: 'Ask', action: 'research', query: 'anyone there?' }]);
    const sampler = await h.connectClient(llm);
    await sampler.callTool({ name: 'approve', arguments: { taskId: planned.taskId } });
    await expect.poll(() => asked.length).toBe(1);
    await sampler.close();
    const waiting = await until(h, planned.taskId, (t) => (t.awaiting ?? []).some((a) => a.kind === 'client'));
    expect(waiting.phase).toBe('executing');
    expect(step(waiting, 's1').state).toBe('running');
    expect(waiting.awaiting?.find((a) => a.kind === 'client')).toMatchObject({ stepId: 's1', needs: 'sampling' });
    // A client that samples connects: the step asks it and completes, never failing on the way.
    const answering = routedLlm({}, { research: () => 'Yes: the answer from the second client.' });
    await h.connectClient(answering);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toContain('the answer from the second client');
    expect(kinds(answering)).toEqual(['research']);
    expect(task.replanAttempts).toBe(0);
  });
});

describe('notify', () => {
  it('delivers through the MCP client log and soft-succeeds when no channel can deliver', async () => {
    h = await startHarness();
    const planned = await start(h, 'tell', [
      { description: 'Tell the user', action: 'notify', message: 'build is green' },
      { description: 'Tell slack', action: 'notify', channel: 'slack', message: 'pdftotext missing', depends_on: [0] },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('Notified via mcp: build is green');
    expect(step(task, 's2').summary).toBe('Notify (no external channel — included in this report): pdftotext missing');
    const harness = h;
    await expect
      .poll(() =>
        harness.logs.some(
          (l) =>
            (l.data as { event?: string; message?: string }).event === 'notify' &&
            (l.data as { message?: string }).message === 'build is green',
        ),
      )
      .toBe(true);
  });
});

describe('the shipped exec allowlist', () => {
  it('lets execute steps run build tools and rejects others at plan time', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const shipped = loadConfig([], {});
    if (!shipped.ok) throw new Error('default config invalid');
    h = await startHarness({ config: { exec: shipped.config.exec } });
    const allowed = await h.ok('plan', {
      request: 'version',
      steps: [{ description: 'Node version', action: 'execute', command: 'node --version' }],
    });
    await h.ok('approve', { taskId: allowed.taskId });
    const { task } = await h.ok('status', { taskId: allowed.taskId, waitUntil: 'terminal' });
    expect(task.steps[0].outputs.stdout).toMatch(/^v\d+\./);
    const refused = await h.call('plan', { request: 'wipe', steps: [{ description: 'Wipe', action: 'execute', command: 'rm -rf build' }] });
    expect(errorCode(refused)).toBe('PLAN_INVALID');
    expect(JSON.stringify(refused.structuredContent)).toContain('calls `rm` which is not on the sandbox allowlist');
  });
});
