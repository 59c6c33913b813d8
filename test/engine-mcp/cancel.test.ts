import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import {
  auditRows,
  finished,
  isAlive,
  kindOf,
  phaseRows,
  routedLlm,
  start,
  states,
  status,
  step,
  stubbornPlugin,
  taskRows,
  throwingPlugin,
  until,
  watch,
} from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface CancelResult {
  task: { phase: string; steps: Array<{ id: string; state: string; reason?: string }> };
}

describe('cancel', () => {
  it('kills an in-flight shell step that would sleep an hour and settles the task as cancelled', async () => {
    h = await startHarness();
    const events = watch(h);
    const pidfile = join(h.dir, 'sleeper.pid');
    const planned = await start(h, 'sleep for an hour', [
      { description: 'Sleep', action: 'shell', command: `echo $$ > ${pidfile}; exec sleep 3600` },
      { description: 'After the nap', action: 'plan', output: 'awake', depends_on: [0] },
    ]);
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'running');
    await expect.poll(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '').toBe(true);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    expect(isAlive(pid)).toBe(true);

    const result = await h.ok<CancelResult>('cancel', { taskId: planned.taskId, reason: 'user got bored' });
    expect(result.task.phase).toBe('cancelled');
    expect(result.task.steps.map((s) => [s.id, s.state, s.reason])).toEqual([
      ['s1', 'cancelled', 'user got bored'],
      ['s2', 'cancelled', 'user got bored'],
    ]);
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);

    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(task.completedAt).toEqual(expect.any(String));
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'cancelled' });
    expect(task.summaryText).toBe('Cancelled: "sleep for an hour"');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'cancelled']);
    expect(events.phasesOf(planned.taskId)).toEqual([
      'none→planning',
      'planning→awaiting_approval',
      'awaiting_approval→executing',
      'executing→cancelled',
    ]);
    // The plan, its approval and the cancel, each with who decided; the killed step wrote no result.
    expect(auditRows(h.db, planned.taskId).map((r) => [r.kind, r.actor, r.source])).toEqual([
      ['plan_created', 'model', 'orchestrator'],
      ['plan_approved', 'model', 'approve tool'],
      ['cancelled', 'model', 'cancel tool'],
    ]);
  });

  it('aborts the step signal, settles even when the plugin ignores it, and ignores its late result', async () => {
    const stubborn = stubbornPlugin();
    h = await startHarness({ plugins: [stubborn.plugin] });
    const planned = await start(h, 'stubborn', [
      { description: 'Never returns', action: 'stubborn' },
      { description: 'Waits for it', action: 'plan', output: 'x', depends_on: [0] },
    ]);
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'running');
    expect(stubborn.signals).toHaveLength(1);
    expect(stubborn.signals[0]?.aborted).toBe(false);

    await h.ok('cancel', { taskId: planned.taskId });
    expect(stubborn.signals[0]?.aborted).toBe(true);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(states(task)).toEqual({ s1: 'cancelled', s2: 'cancelled' });

    stubborn.release();
    await stubborn.settled();
    const after = await status(h, planned.taskId);
    expect(states(after)).toEqual({ s1: 'cancelled', s2: 'cancelled' });
    expect(step(after, 's1').outputs).toBeUndefined();
    expect(after.phase).toBe('cancelled');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'cancelled']);
    expect(auditRows(h.db, planned.taskId).filter((r) => r.step_id !== null)).toEqual([]);
  });

  it('cancels a step waiting for its confirmation; answering it afterwards is INVALID_TRANSITION', async () => {
    h = await startHarness();
    const planned = await start(h, 'wipe', [{ description: 'Wipe the cache', action: 'shell', command: 'true', tier: 'destructive' }]);
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'awaiting_confirmation');
    const result = await h.ok<CancelResult>('cancel', { taskId: planned.taskId });
    expect(result.task.phase).toBe('cancelled');
    const task = await finished(h, planned.taskId);
    expect(states(task)).toEqual({ s1: 'cancelled' });
    expect(task.awaiting).toBeUndefined();
    const late = await h.call('approve', { taskId: planned.taskId, stepId: 's1' });
    expect(errorCode(late)).toBe('INVALID_TRANSITION');
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'cancelled']);
  });

  it('cancels a task waiting for a host-written replan; corrective steps sent afterwards are refused', async () => {
    h = await startHarness({ plugins: [throwingPlugin()], config: { hostReplanTimeoutMs: 60_000 } });
    const planned = await start(h, 'needs repair', [{ description: 'Break', action: 'boom' }]);
    await until(h, planned.taskId, (t) => t.phase === 'awaiting_replan');
    const result = await h.ok<CancelResult>('cancel', { taskId: planned.taskId });
    expect(result.task.phase).toBe('cancelled');
    const late = await h.call('plan', { taskId: planned.taskId, steps: [{ description: 'Fix', action: 'plan', output: 'fixed' }] });
    expect(errorCode(late)).toBe('INVALID_TRANSITION');
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(task.steps.map((s) => s.id)).toEqual(['s1']);
    expect(task.replanAttempts).toBe(0);
    expect(task.awaiting).toBeUndefined();
    expect(phaseRows(h.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'awaiting_replan', 'cancelled']);
    expect(taskRows(h.db)).toEqual([expect.objectContaining({ id: planned.taskId, phase: 'cancelled', replan_request: null })]);
  });

  /**
   * Sampling handler that answers the first request and never answers later ones. The first request
   * of a session has JSON-RPC id 0, which SDK 1.32.2 cannot cancel (`_oncancel` drops a falsy
   * requestId, typescript-sdk#2283), so the request under test must not be the first.
   */
  function hangAfterFirst(harness: Harness) {
    const seen: Array<{ kind: string; signal: AbortSignal }> = [];
    harness.client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => {
      seen.push({ kind: kindOf(request.params), signal: extra.signal });
      if (seen.length > 1) return new Promise(() => {});
      return Promise.resolve({
        role: 'assistant' as const,
        model: 'scripted-model',
        content: { type: 'text' as const, text: 'Warm-up answer.' },
      });
    });
    return seen;
  }

  it('cancels an in-flight sampling request of a research step', async () => {
    h = await startHarness({ llm: routedLlm({}) });
    const seen = hangAfterFirst(h);
    const planned = await start(h, 'ask forever', [
      { description: 'Warm up', action: 'research', query: 'first' },
      { description: 'Ask', action: 'research', query: 'will you answer?', depends_on: [0] },
    ]);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen.map((s) => s.kind)).toEqual(['research', 'research']);
    expect(seen[1]?.signal.aborted).toBe(false);
    await h.ok('cancel', { taskId: planned.taskId });
    await expect.poll(() => seen[1]?.signal.aborted).toBe(true);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(states(task)).toEqual({ s1: 'completed', s2: 'cancelled' });
    expect(step(task, 's1').summary).toBe('Warm-up answer.');
  });

  it('cancels even the first sampling request of a session', async () => {
    h = await startHarness({ llm: routedLlm({}) });
    const seen: AbortSignal[] = [];
    h.client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => {
      seen.push(extra.signal);
      return new Promise(() => {});
    });
    const planned = await start(h, 'ask once', [{ description: 'Ask', action: 'research', query: 'will you answer?' }]);
    await expect.poll(() => seen.length).toBe(1);
    await h.ok('cancel', { taskId: planned.taskId });
    await expect.poll(() => seen[0]?.aborted).toBe(true);
    expect((await finished(h, planned.taskId)).phase).toBe('cancelled');
  });

  it('cancels an in-flight replan request and starts no further replan', async () => {
    h = await startHarness({ plugins: [throwingPlugin()], llm: routedLlm({}), config: { maxParallel: 4 } });
    const seen = hangAfterFirst(h);
    const planned = await start(h, 'break twice', [
      { description: 'Warm up', action: 'research', query: 'first' },
      { description: 'Break one', action: 'boom', depends_on: [0] },
      { description: 'Break two', action: 'boom', depends_on: [0] },
    ]);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]?.kind).toBe('repair');
    await h.ok('cancel', { taskId: planned.taskId });
    await expect.poll(() => seen[1]?.signal.aborted).toBe(true);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(task.replanAttempts).toBe(0);
    expect(task.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    // Both steps failed in the same wave; the second failure's replan never started.
    expect(states(task)).toEqual({ s1: 'completed', s2: 'failed', s3: 'failed' });
    expect(seen).toHaveLength(2);
  });
});
