/**
 * SqliteTaskStore on a real SQLite file: what it stores comes back whole, every change of a task is
 * one transaction guarded by "terminal is terminal", and of processes racing to run a task exactly
 * one gets it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Phase, Step, StepRun, Task } from '../../src/engine/model.js';
import type { AuditRecord } from '../../src/engine/ports.js';
import { openDatabase } from '../../src/store/open.js';
import { SqliteTaskStore } from '../../src/store/task-store.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:05:00.000Z';
const T2 = '2026-03-01T10:09:00.000Z';

let dir: string;
let path: string;
let db: Database;
let store: SqliteTaskStore;
const others: SqliteTaskStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-task-store-'));
  path = join(dir, 'state.db');
  db = openDatabase(path);
  store = new SqliteTaskStore(db);
});
afterEach(async () => {
  for (const other of others.splice(0)) await other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A second connection to the same file, as another server process has. */
function secondStore(): SqliteTaskStore {
  const other = new SqliteTaskStore(openDatabase(path));
  others.push(other);
  return other;
}

const FULL_STEP: Step = {
  id: 's1',
  action: 'shell',
  description: 'Clean the build',
  dependsOn: [],
  tier: 'destructive',
  input: { command: 'rm -rf build', nested: { list: [1, 'two', null], flag: true } },
  estimatedTokens: 120,
  commands: ['rm -rf build'],
  tierReasons: ['rm -r deletes recursively'],
};
const PLAIN_STEP: Step = {
  id: 's2',
  action: 'plan',
  description: 'Write it up',
  dependsOn: ['s1'],
  tier: 'read',
  input: {},
  estimatedTokens: 0,
};

const FULL_RUN: StepRun = {
  state: 'failed',
  startedAt: T1,
  finishedAt: T2,
  summary: 'Shell command failed',
  error: 'Shell command failed (exit 1): rm -rf build',
  reason: 'interrupted',
  nonce: 'nonce-42',
  confirmVia: 'form',
  outputs: { stdout: 'out\n', stderr: 'err\n', exitCode: 1, artifacts: ['/tmp/report.txt'], data: { rows: [1, 2] }, truncated: true },
};

function newTask(id: string, phase: Phase = 'awaiting_approval', steps: Step[] = [FULL_STEP, PLAIN_STEP]): Task {
  return {
    id,
    request: `request of ${id}`,
    phase,
    planHash: `hash-${id}`,
    createdAt: T0,
    replanAttempts: 0,
    origin: 'host',
    context: { facts: ['it is Tuesday'], workdir: '/srv/project', roots: ['/srv'] },
    steps,
    runs: new Map(steps.map((s) => [s.id, { state: 'pending' }])),
    version: 0,
  };
}

const record = (kind: AuditRecord['kind'], extra: Partial<AuditRecord> = {}): AuditRecord => ({ ts: T1, actor: 'model', kind, ...extra });

async function created(id: string, phase: Phase = 'awaiting_approval', steps?: Step[]): Promise<Task> {
  const task = newTask(id, phase, steps);
  await store.createTask(task, ['planning', phase], [record('plan_created', { ts: T0 })]);
  return task;
}

async function loaded(id: string): Promise<Task> {
  const task = await store.loadTask(id);
  if (!task) throw new Error(`task ${id} is not stored`);
  return task;
}

const history = async (id: string) => (await store.auditTrail(id)).phases.map((p) => [p.state, p.enteredAt]);
const kinds = async (id: string) => (await store.auditTrail(id)).entries.map((e) => e.kind);

describe('createTask and loadTask', () => {
  it('give back every field of the task and of each step, commands and tier reasons included', async () => {
    const task = await created('t1');
    expect(await store.loadTask('t1')).toStrictEqual(task);
    expect(await store.phaseOf('t1')).toBe('awaiting_approval');
    expect(await history('t1')).toEqual([
      ['planning', T0],
      ['awaiting_approval', T0],
    ]);
    expect(await kinds('t1')).toEqual(['plan_created']);
  });

  it('answer undefined for a task that is not stored', async () => {
    expect(await store.loadTask('missing')).toBeUndefined();
    expect(await store.phaseOf('missing')).toBeUndefined();
  });

  it('give back every field of a step run, confirmVia kept in run_extra', async () => {
    await created('t1');
    await store.commit('t1', { at: T2, steps: [['s1', FULL_RUN]] });
    expect((await loaded('t1')).runs.get('s1')).toStrictEqual(FULL_RUN);
    expect(db.prepare("SELECT run_extra FROM steps WHERE task_id = 't1' AND id = 's1'").get()).toEqual({
      run_extra: '{"confirmVia":"form"}',
    });
  });

  it('replace the whole run record: fields a later run leaves out are cleared', async () => {
    await created('t1');
    await store.commit('t1', {
      at: T1,
      steps: [['s1', { state: 'awaiting_confirmation', nonce: 'n1', confirmVia: 'tool', reason: 'asked' }]],
    });
    await store.commit('t1', { at: T2, steps: [['s1', { state: 'pending' }]] });
    expect((await loaded('t1')).runs.get('s1')).toStrictEqual({ state: 'pending' });
  });
});

describe('commit', () => {
  it('stores added steps pending from their position on, after the plan', async () => {
    await created('t1');
    const added: Step = { ...PLAIN_STEP, id: 's3', description: 'Try again', dependsOn: [], commands: ['make'] };
    expect(await store.commit('t1', { at: T1, added: { steps: [added], startPosition: 2 } })).toEqual({ steps: [], phases: [] });
    const task = await loaded('t1');
    expect(task.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(task.steps[2]).toStrictEqual(added);
    expect(task.runs.get('s3')).toStrictEqual({ state: 'pending' });
  });

  it('never changes a step that has finished, and reports only the steps it wrote', async () => {
    await created('t1');
    await store.commit('t1', { at: T1, steps: [['s1', { state: 'completed', summary: 'done' }]] });
    const second = await store.commit('t1', {
      at: T2,
      steps: [
        ['s1', { state: 'failed', error: 'too late' }],
        ['s2', { state: 'running', startedAt: T2 }],
        ['s9', { state: 'running' }],
      ],
    });
    expect(second.steps).toEqual(['s2']);
    const task = await loaded('t1');
    expect(task.runs.get('s1')).toStrictEqual({ state: 'completed', summary: 'done' });
    expect(task.runs.get('s2')).toStrictEqual({ state: 'running', startedAt: T2 });
  });

  it('enters phases in order, with a history row each, and sets completedAt on a terminal one', async () => {
    await created('t1', 'executing');
    const result = await store.commit('t1', { at: T1, phases: ['reconciling', 'completed'], completedAt: T2 });
    expect(result.phases).toEqual(['reconciling', 'completed']);
    expect(await store.phaseOf('t1')).toBe('completed');
    expect((await loaded('t1')).completedAt).toBe(T2);
    expect((await history('t1')).slice(-2)).toEqual([
      ['reconciling', T1],
      ['completed', T1],
    ]);
  });

  it('never changes the phase of a task that has ended, and writes no history row for it', async () => {
    await created('t1', 'executing');
    await store.commit('t1', { at: T1, phases: ['cancelled'] });
    const rows = await history('t1');
    const result = await store.commit('t1', { at: T2, phases: ['reconciling', 'failed'] });
    expect(result.phases).toEqual([]);
    expect(await store.phaseOf('t1')).toBe('cancelled');
    expect((await loaded('t1')).completedAt).toBe(T1);
    expect(await history('t1')).toEqual(rows);
  });

  it('stores the plan hash, replan attempts and replan request, and clears the request', async () => {
    await created('t1', 'executing');
    const replanRequest = { failedStepId: 's1', failedStep: 'Clean', error: 'exit 1', deadline: T2, prompt: 'Fix it' };
    await store.commit('t1', { at: T1, phases: ['awaiting_replan'], meta: { planHash: 'hash-2', replanAttempts: 1, replanRequest } });
    expect(await loaded('t1')).toMatchObject({ phase: 'awaiting_replan', planHash: 'hash-2', replanAttempts: 1, replanRequest });
    await store.commit('t1', { at: T2, meta: { planHash: 'hash-3', replanAttempts: 2 } });
    const task = await loaded('t1');
    expect(task).toMatchObject({ planHash: 'hash-3', replanAttempts: 2 });
    expect(task).not.toHaveProperty('replanRequest');
  });

  it('appends its audit records to the task chain', async () => {
    await created('t1', 'executing');
    await store.commit('t1', {
      at: T1,
      steps: [['s1', { state: 'completed' }]],
      audit: [record('step_completed', { stepId: 's1', actor: 'system' })],
    });
    const trail = await store.auditTrail('t1');
    expect(trail.entries.map((e) => [e.kind, e.actor, e.stepId])).toEqual([
      ['plan_created', 'model', undefined],
      ['step_completed', 'system', 's1'],
    ]);
    expect(trail.chain).toMatchObject({ intact: true, entries: 2 });
  });

  it('reads the entries of one kind of a task, oldest first, and none of another task', async () => {
    await created('t1', 'executing');
    await created('t2', 'executing');
    await store.appendAudit([
      { ...record('replanned', { comment: 'first', details: { added: ['r1'] } }), taskId: 't1' },
      { ...record('step_completed', { stepId: 's1', actor: 'system' }), taskId: 't1' },
      { ...record('replanned', { comment: 'other task' }), taskId: 't2' },
      { ...record('replanned', { comment: 'second' }), taskId: 't1' },
    ]);
    const replans = await store.auditOfKind('t1', 'replanned');
    expect(replans.map((e) => [e.kind, e.comment, e.details])).toEqual([
      ['replanned', 'first', { added: ['r1'] }],
      ['replanned', 'second', undefined],
    ]);
    expect(replans[1]?.prevHash).not.toBe(replans[0]?.hash); // a step entry lies between them in the chain
    expect(await store.auditOfKind('t1', 'plan_approved')).toEqual([]);
  });

  it('lists the attempt in flight as running and each ended attempt with its outcome, across processes', async () => {
    await created('t1', 'executing');
    const running = (attempt: number, at: string): StepRun => ({ state: 'running', startedAt: at, attempt, attempts: 2 });
    await store.commit('t1', { at: T1, steps: [['s1', running(1, T1)]] });
    expect((await store.auditTrail('t1')).attempts).toEqual([{ stepId: 's1', attempt: 1, startedAt: T1, outcome: 'running' }]);
    const waiting: StepRun = { state: 'pending', attempt: 1, attempts: 2, error: 'exit 1', retryAt: T2 };
    await store.commit('t1', { at: T2, steps: [['s1', waiting]] });
    // The next attempt runs in another process sharing the file (a resumed task, say) and ends there.
    await secondStore().commit('t1', { at: T2, steps: [['s1', running(2, T2)]] });
    await secondStore().commit('t1', { at: T2, steps: [['s1', { ...running(2, T2), state: 'completed', finishedAt: T2 }]] });
    // A step that never ran leaves no attempt.
    await store.commit('t1', { at: T2, steps: [['s2', { state: 'skipped', reason: 'not needed' }]] });
    expect((await store.auditTrail('t1')).attempts).toEqual([
      { stepId: 's1', attempt: 1, startedAt: T1, finishedAt: T2, outcome: 'failed', error: 'exit 1' },
      { stepId: 's1', attempt: 2, startedAt: T2, finishedAt: T2, outcome: 'completed' },
    ]);
  });

  it('keeps the attempt that ends a step in the step row: a step that runs once writes no attempt row', async () => {
    await created('t1', 'executing');
    const attemptRows = () =>
      db.prepare(`SELECT step_id, attempt, outcome FROM step_attempts ORDER BY step_id, attempt`).all() as unknown[];
    await store.commit('t1', { at: T1, steps: [['s1', { state: 'running', startedAt: T1, attempt: 1, attempts: 1 }]] });
    await store.commit('t1', { at: T2, steps: [['s1', { state: 'completed', startedAt: T1, finishedAt: T2, attempt: 1, attempts: 1 }]] });
    await store.commit('t1', { at: T1, steps: [['s2', { state: 'running', startedAt: T1 }]] });
    await store.commit('t1', {
      at: T2,
      steps: [['s2', { state: 'cancelled', startedAt: T1, finishedAt: T2, reason: 'cancelled by the user' }]],
    });
    expect(attemptRows()).toEqual([]);
    expect((await store.auditTrail('t1')).attempts).toEqual([
      { stepId: 's1', attempt: 1, startedAt: T1, finishedAt: T2, outcome: 'completed' },
      { stepId: 's2', attempt: 1, startedAt: T1, finishedAt: T2, outcome: 'cancelled', error: 'cancelled by the user' },
    ]);
  });

  it('lists an interrupted attempt once, however a person then ends the step, and an older row of the final attempt once', async () => {
    await created('t1', 'executing');
    await store.commit('t1', { at: T1, steps: [['s1', { state: 'running', startedAt: T1, attempt: 1, attempts: 1 }]] });
    // After a stop: the attempt may have had its effect, so a person is asked; they count it as done.
    await store.commit('t1', {
      at: T2,
      steps: [['s1', { state: 'awaiting_confirmation', startedAt: T1, attempt: 1, reason: 'interrupted' }]],
    });
    await store.commit('t1', {
      at: T2,
      steps: [['s1', { state: 'completed', startedAt: T1, finishedAt: T2, attempt: 1, summary: 'done by a person' }]],
    });
    // s2 ended under an older version, which wrote a row for every attempt.
    await store.commit('t1', { at: T1, steps: [['s2', { state: 'failed', startedAt: T1, finishedAt: T2, error: 'exit 2' }]] });
    db.prepare(
      `INSERT INTO step_attempts (task_id, step_id, attempt, started_at, finished_at, outcome, error) VALUES ('t1', 's2', 1, ?, ?, 'failed', 'exit 2')`,
    ).run(T1, T2);
    expect((await store.auditTrail('t1')).attempts).toEqual([
      { stepId: 's1', attempt: 1, startedAt: T1, finishedAt: T2, outcome: 'interrupted', error: 'interrupted' },
      { stepId: 's2', attempt: 1, startedAt: T1, finishedAt: T2, outcome: 'failed', error: 'exit 2' },
    ]);
  });

  it('writes nothing when any part fails: steps, phases, meta and audit are one transaction', async () => {
    await created('t1', 'executing');
    const before = await loaded('t1');
    const rows = await history('t1');
    // An entry with a kind but no actor is refused by the audit log, after everything else was written.
    const bad = { ts: T1, kind: 'comment' } as unknown as AuditRecord;
    const change = {
      at: T1,
      added: { steps: [{ ...PLAIN_STEP, id: 's3' }], startPosition: 2 },
      steps: [['s1', { state: 'completed' }]] as Array<[string, StepRun]>,
      phases: ['reconciling', 'completed'] as Phase[],
      meta: { planHash: 'other', replanAttempts: 2 },
      audit: [record('step_completed', { stepId: 's1' }), bad],
    };
    await expect(store.commit('t1', change)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await loaded('t1')).toStrictEqual(before);
    expect(await history('t1')).toEqual(rows);
    expect(await kinds('t1')).toEqual(['plan_created']);
  });
});

describe('claim', () => {
  it('lets exactly one of two processes claim a task awaiting approval', async () => {
    await created('t1');
    const other = secondStore();
    const results = await Promise.all([
      store.claim('t1', 'owner-a', T1, [record('plan_approved', { comment: 'by a' })]),
      other.claim('t1', 'owner-b', T1, [record('plan_approved', { comment: 'by b' })]),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? 'owner-a' : 'owner-b';
    expect(await store.unfinished()).toEqual([{ id: 't1', phase: 'executing', owner: winner, heartbeatAt: T1 }]);
    expect((await history('t1')).filter(([state]) => state === 'executing')).toEqual([['executing', T1]]);
    const entries = (await store.auditTrail('t1')).entries;
    expect(entries.map((e) => [e.kind, e.comment])).toEqual([
      ['plan_created', undefined],
      ['plan_approved', winner === 'owner-a' ? 'by a' : 'by b'],
    ]);
  });

  it('refuses a task that is not awaiting approval and writes nothing', async () => {
    await created('t1', 'cancelled');
    expect(await store.claim('t1', 'owner-a', T1, [record('plan_approved')])).toBe(false);
    expect(await store.claim('missing', 'owner-a', T1, [])).toBe(false);
    expect(await store.phaseOf('t1')).toBe('cancelled');
    expect(await history('t1')).toEqual([
      ['planning', T0],
      ['cancelled', T0],
    ]);
    expect(await kinds('t1')).toEqual(['plan_created']);
    expect(await store.unfinished()).toEqual([]);
  });
});

describe('ownership of unfinished tasks', () => {
  it('lists approved tasks that have not ended, oldest first, with owner and heartbeat', async () => {
    await created('waiting');
    await created('a');
    await created('b');
    await created('done', 'completed');
    await store.claim('a', 'owner-a', T1, []);
    await store.claim('b', 'owner-b', T1, []);
    await store.commit('b', { at: T1, phases: ['awaiting_replan'] });
    expect(await store.unfinished()).toEqual([
      { id: 'a', phase: 'executing', owner: 'owner-a', heartbeatAt: T1 },
      { id: 'b', phase: 'awaiting_replan', owner: 'owner-b', heartbeatAt: T1 },
    ]);
  });

  it('adopts a task only from the owner the caller saw, and only while it is unfinished', async () => {
    await created('t1');
    await store.claim('t1', 'owner-a', T1, []);
    expect(await store.adopt('t1', 'owner-b', 'someone-else', T2)).toBe(false);
    expect(await store.adopt('t1', 'owner-b', null, T2)).toBe(false);
    expect(await store.adopt('t1', 'owner-b', 'owner-a', T2)).toBe(true);
    expect(await store.unfinished()).toEqual([{ id: 't1', phase: 'executing', owner: 'owner-b', heartbeatAt: T2 }]);
    await store.release('t1', 'owner-b');
    expect(await store.adopt('t1', 'owner-c', null, T2)).toBe(true);
    await created('pending');
    await created('ended', 'failed');
    expect(await store.adopt('pending', 'owner-c', null, T2)).toBe(false);
    expect(await store.adopt('ended', 'owner-c', null, T2)).toBe(false);
  });

  it('releases a task only for its owner', async () => {
    await created('t1');
    await store.claim('t1', 'owner-a', T1, []);
    await store.release('t1', 'owner-b');
    expect((await store.unfinished())[0]).toMatchObject({ owner: 'owner-a', heartbeatAt: T1 });
    await store.release('t1', 'owner-a');
    expect(await store.unfinished()).toEqual([{ id: 't1', phase: 'executing', owner: null, heartbeatAt: null }]);
  });

  it("beats the heart of every task of one owner and of no other owner's", async () => {
    for (const id of ['a1', 'a2', 'b1']) await created(id);
    await store.claim('a1', 'owner-a', T0, []);
    await store.claim('a2', 'owner-a', T0, []);
    await store.claim('b1', 'owner-b', T0, []);
    await store.heartbeat('owner-a', T2);
    expect((await store.unfinished()).map((o) => [o.id, o.heartbeatAt])).toEqual([
      ['a1', T2],
      ['a2', T2],
      ['b1', T0],
    ]);
  });
});

describe('listTasks and awaitingApproval', () => {
  beforeEach(async () => {
    await created('t1');
    await created('t2', 'executing', [PLAIN_STEP]);
    await created('t3');
    await created('t4', 'completed');
    await created('t5', 'cancelled', [FULL_STEP]);
  });

  it('lists newest first, a page at a time, with the total and step counts', async () => {
    const first = await store.listTasks({ limit: 2, offset: 0 });
    expect(first.total).toBe(5);
    expect(first.items.map((t) => [t.id, t.phase, t.stepCount])).toEqual([
      ['t5', 'cancelled', 1],
      ['t4', 'completed', 2],
    ]);
    const rest = await store.listTasks({ limit: 10, offset: 2 });
    expect(rest.total).toBe(5);
    expect(rest.items.map((t) => t.id)).toEqual(['t3', 't2', 't1']);
    expect(rest.items[2]).toMatchObject({ id: 't1', request: 'request of t1', createdAt: T0 });
    expect(rest.items[2]).not.toHaveProperty('completedAt');
  });

  it('filters by phase; an empty filter is no filter', async () => {
    const waiting = await store.listTasks({ limit: 10, offset: 0, phases: ['awaiting_approval'] });
    expect(waiting).toMatchObject({ total: 2 });
    expect(waiting.items.map((t) => t.id)).toEqual(['t3', 't1']);
    const ended = await store.listTasks({ limit: 1, offset: 1, phases: ['completed', 'cancelled', 'failed'] });
    expect(ended.total).toBe(2);
    expect(ended.items.map((t) => t.id)).toEqual(['t4']);
    expect((await store.listTasks({ limit: 10, offset: 0, phases: [] })).total).toBe(5);
  });

  it('names the tasks awaiting approval oldest first', async () => {
    expect(await store.awaitingApproval()).toEqual(['t1', 't3']);
    await store.claim('t1', 'owner-a', T1, []);
    expect(await store.awaitingApproval()).toEqual(['t3']);
  });
});
