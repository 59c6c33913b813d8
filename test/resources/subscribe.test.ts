import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { concurrencyProbe, finished, phaseRows, plan, until, step, stubbornPlugin } from '../engine-mcp/support.js';
import { auditUri, inbox, marksOf, phasesIn, phasesWithoutUpdate, taskUri, timeline, type Mark } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TWO_PROBES = [
  { description: 'First probe', action: 'probe' },
  { description: 'Second probe', action: 'probe', depends_on: [0] },
];

/**
 * Every phase change since the subscription (marks from `since`, DB rows from `rowsBefore`) is
 * followed by an update of `uri` of its own, in the order the client received them.
 */
async function expectEveryPhaseAnswered(marks: Mark[], since: number, taskId: string, uri: string, rowsBefore: number): Promise<void> {
  const seen = (): Mark[] => marksOf(marks.slice(since), taskId, uri);
  await expect.poll(() => phasesWithoutUpdate(seen())).toEqual([]);
  expect(phasesIn(seen())).toEqual(phaseRows(h!.db, taskId).slice(rowsBefore));
}

describe('resource subscriptions', () => {
  it('sends an update of the task and of its audit after every phase change of a task run to completion', async () => {
    h = await startHarness({ plugins: [concurrencyProbe('probe', 1).plugin] });
    const marks = timeline(h, h.client);
    const planned = await plan(h, 'probe twice', TWO_PROBES);
    await h.client.subscribeResource({ uri: taskUri(planned.taskId) });
    await h.client.subscribeResource({ uri: auditUri(planned.taskId) });
    const rowsBefore = phaseRows(h.db, planned.taskId).length;
    const since = marks.length;

    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    expect((await finished(h, planned.taskId)).phase).toBe('completed');

    expect(phaseRows(h.db, planned.taskId).slice(rowsBefore)).toEqual(['executing', 'reconciling', 'completed']);
    await expectEveryPhaseAnswered(marks, since, planned.taskId, taskUri(planned.taskId), rowsBefore);
    await expectEveryPhaseAnswered(marks, since, planned.taskId, auditUri(planned.taskId), rowsBefore);
  });

  it('sends an update after every phase change of a task cancelled while a step runs', async () => {
    const stubborn = stubbornPlugin();
    h = await startHarness({ plugins: [stubborn.plugin] });
    const marks = timeline(h, h.client);
    const planned = await plan(h, 'never ends', [{ description: 'Hang', action: 'stubborn' }]);
    await h.client.subscribeResource({ uri: taskUri(planned.taskId) });
    const rowsBefore = phaseRows(h.db, planned.taskId).length;
    const since = marks.length;

    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await until(h, planned.taskId, (t) => step(t, 's1').state === 'running');
    await h.ok('cancel', { taskId: planned.taskId, reason: 'enough' });
    expect((await finished(h, planned.taskId)).phase).toBe('cancelled');

    expect(phaseRows(h.db, planned.taskId).slice(rowsBefore)).toEqual(['executing', 'cancelled']);
    await expectEveryPhaseAnswered(marks, since, planned.taskId, taskUri(planned.taskId), rowsBefore);
    stubborn.release();
  });

  it('sends an update after a plan is rejected', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const marks = timeline(h, h.client);
    const planned = await plan(h, 'not wanted', TWO_PROBES);
    await h.client.subscribeResource({ uri: taskUri(planned.taskId) });
    const rowsBefore = phaseRows(h.db, planned.taskId).length;
    const since = marks.length;

    await h.ok('approve', { taskId: planned.taskId, decision: 'reject' });
    expect(phaseRows(h.db, planned.taskId).slice(rowsBefore)).toEqual(['cancelled']);
    await expectEveryPhaseAnswered(marks, since, planned.taskId, taskUri(planned.taskId), rowsBefore);
  });

  it('notifies a step change that comes without a phase change', async () => {
    const stubborn = stubbornPlugin();
    h = await startHarness({ plugins: [stubborn.plugin, concurrencyProbe('probe', 1).plugin], config: { maxParallel: 2 } });
    const marks = timeline(h, h.client);
    const planned = await plan(h, 'one hangs, one finishes', [
      { description: 'Hang', action: 'stubborn' },
      { description: 'Probe', action: 'probe' },
    ]);
    const uri = taskUri(planned.taskId);
    await h.client.subscribeResource({ uri });
    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await until(h, planned.taskId, (t) => step(t, 's2').state === 'completed');

    const ofTask = (): Mark[] => marksOf(marks, planned.taskId, uri);
    const s2Done = ofTask().findIndex((m) => m.kind === 'step' && m.stepId === 's2' && m.state === 'completed');
    expect(s2Done).toBeGreaterThan(-1);
    await expect
      .poll(() =>
        ofTask()
          .slice(s2Done)
          .some((m) => m.kind === 'updated'),
      )
      .toBe(true);
    expect(phasesIn(ofTask().slice(s2Done))).toEqual([]);
    stubborn.release();
  });

  it('stops sending updates after unsubscribe', async () => {
    h = await startHarness({ plugins: [concurrencyProbe('probe', 1).plugin] });
    const box = inbox(h.client);
    const witness = await h.connectClient();
    const witnessMarks = timeline(h, witness);
    const planned = await plan(h, 'probe twice', TWO_PROBES);
    const uri = taskUri(planned.taskId);
    await h.client.subscribeResource({ uri });
    await witness.subscribeResource({ uri });
    await h.client.unsubscribeResource({ uri });
    const since = witnessMarks.length;

    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await finished(h, planned.taskId);
    await expect.poll(() => phasesWithoutUpdate(marksOf(witnessMarks.slice(since), planned.taskId, uri))).toEqual([]);
    // A round trip on the same transport: anything sent to this session before now has arrived.
    await h.client.ping();
    expect(box.updated).toEqual([]);
  });

  it('sends no updates to a second client that did not subscribe', async () => {
    h = await startHarness({ plugins: [concurrencyProbe('probe', 1).plugin] });
    const marks = timeline(h, h.client);
    const other = await h.connectClient();
    const otherBox = inbox(other);
    const planned = await plan(h, 'probe twice', TWO_PROBES);
    const uri = taskUri(planned.taskId);
    await h.client.subscribeResource({ uri });
    const since = marks.length;

    await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    await finished(h, planned.taskId);
    await expect.poll(() => phasesWithoutUpdate(marksOf(marks.slice(since), planned.taskId, uri))).toEqual([]);
    await other.ping();
    expect(otherBox.updated).toEqual([]);
  });

  it('sends list_changed to every session when a task is planned, and resources/list then shows it', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const other = await h.connectClient();
    const boxes = [inbox(h.client), inbox(other)];
    await other.ping();
    expect(boxes.map((b) => b.listChanged)).toEqual([0, 0]);

    const planned = await plan(h, 'a new task', TWO_PROBES);
    await expect.poll(() => boxes.every((b) => b.listChanged > 0)).toBe(true);
    const { resources } = await other.listResources();
    expect(resources.map((r) => r.uri)).toContain(taskUri(planned.taskId));
  });

  it('updates a subscriber of the task list when a task is created and when it changes phase', async () => {
    h = await startHarness({ plugins: [concurrencyProbe().plugin] });
    const box = inbox(h.client);
    await h.client.subscribeResource({ uri: 'orchestrate://tasks' });
    const planned = await plan(h, 'listed', TWO_PROBES);
    await expect.poll(() => box.updated.filter((u) => u === 'orchestrate://tasks').length).toBeGreaterThan(0);
    const afterPlan = box.updated.length;

    await h.ok('approve', { taskId: planned.taskId, decision: 'reject' });
    await expect.poll(() => box.updated.length).toBeGreaterThan(afterPlan);
    expect(new Set(box.updated)).toEqual(new Set(['orchestrate://tasks']));
  });

  it('refuses to subscribe to an unknown task or a URI that is not ours', async () => {
    h = await startHarness();
    await expect(h.client.subscribeResource({ uri: taskUri('no-such-task') })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      data: { code: 'TASK_NOT_FOUND' },
    });
    await expect(h.client.subscribeResource({ uri: 'orchestrate://elsewhere' })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await h.client.subscribeResource({ uri: 'orchestrate://actions' });
  });

  it('detaches a session from the engine when it closes', async () => {
    h = await startHarness();
    const { events } = h.app.engine;
    const before = [events.listenerCount('change'), events.listenerCount('phase')];
    const client = await h.connectClient();
    expect([events.listenerCount('change'), events.listenerCount('phase')]).toEqual([before[0]! + 1, before[1]! + 1]);
    await client.close();
    await expect.poll(() => [events.listenerCount('change'), events.listenerCount('phase')]).toEqual(before);
  });
});
