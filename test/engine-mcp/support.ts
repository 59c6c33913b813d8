/**
 * Shared fixtures of the engine-through-MCP suite: small probe plugins, read-only views of the
 * SQLite rows, a sampling responder routed by prompt kind, and thin wrappers over the tools.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import type { CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { z } from 'zod';
import type { PhaseChange, StepChange } from '../../src/engine/run/writer.js';
import type { ActionContext, ActionPlugin, DependencyOutput } from '../../src/plugins/api.js';
import type { Harness } from '../helpers/harness.js';
import { ScriptedLlm, type Reply } from '../helpers/llm.js';

/* ------------------------------------------------------------------ tools */

export interface StepViewT {
  id: string;
  action: string;
  description: string;
  dependsOn: string[];
  tier: string;
  state: string;
  input: Record<string, unknown>;
  startedAt?: string;
  finishedAt?: string;
  summary?: string;
  error?: string;
  reason?: string;
  attempt?: number;
  attempts?: number;
  retryAt?: string;
  outputs?: { stdout: string; stderr: string; exitCode: number | null; data: unknown; artifacts: string[]; truncated: boolean };
}

export interface TaskViewT {
  id: string;
  request: string;
  phase: string;
  planHash: string;
  createdAt: string;
  completedAt?: string;
  replanAttempts: number;
  counts: Record<'pending' | 'running' | 'awaiting' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'total', number>;
  steps: StepViewT[];
  summaryText: string;
  awaiting?: Array<Record<string, unknown> & { kind: string }>;
}

export interface Planned {
  taskId: string;
  planHash: string;
  planText: string;
  phase: string;
  steps: Array<{ id: string; action: string; description: string; dependsOn: string[]; tier: string; input: Record<string, unknown> }>;
}

export function plan(h: Harness, request: string, steps: unknown[]): Promise<Planned> {
  return h.ok<Planned>('plan', { request, steps });
}

/** Plans host-written steps and approves them; execution runs in the background. */
export async function start(h: Harness, request: string, steps: unknown[]): Promise<Planned> {
  const planned = await plan(h, request, steps);
  await h.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  return planned;
}

export async function status(h: Harness, taskId: string): Promise<TaskViewT> {
  return (await h.ok<{ task: TaskViewT }>('status', { taskId })).task;
}

/** Long-polls `status` until the task ends; fails the test if it does not. */
export async function finished(h: Harness, taskId: string, timeoutSeconds = 20): Promise<TaskViewT> {
  const { task } = await h.ok<{ task: TaskViewT }>('status', { taskId, waitUntil: 'terminal', timeoutSeconds });
  expect(['completed', 'failed', 'cancelled']).toContain(task.phase);
  return task;
}

/** Polls until `predicate` holds for the task, then returns it. */
export async function until(h: Harness, taskId: string, predicate: (task: TaskViewT) => boolean, timeout = 10_000): Promise<TaskViewT> {
  let last: TaskViewT | undefined;
  await expect
    .poll(
      async () => {
        last = await status(h, taskId);
        return predicate(last);
      },
      { timeout, interval: 20 },
    )
    .toBe(true);
  return last as TaskViewT;
}

export function step(task: TaskViewT, id: string): StepViewT {
  const found = task.steps.find((s) => s.id === id);
  if (!found) throw new Error(`task ${task.id} has no step ${id}; it has ${task.steps.map((s) => s.id).join(', ')}`);
  return found;
}

export function states(task: TaskViewT): Record<string, string> {
  return Object.fromEntries(task.steps.map((s) => [s.id, s.state]));
}

/* ------------------------------------------------------------- recorder */

/** Records every phase and step event of the harness's engine. */
export function watch(h: Harness): { phases: PhaseChange[]; steps: StepChange[]; phasesOf(taskId: string): string[] } {
  const phases: PhaseChange[] = [];
  const steps: StepChange[] = [];
  h.app.engine.events.on('phase', (e) => phases.push(e));
  h.app.engine.events.on('step', (e) => steps.push({ ...e, run: { ...e.run } }));
  return {
    phases,
    steps,
    phasesOf: (taskId) => phases.filter((p) => p.taskId === taskId).map((p) => `${p.from}→${p.to}`),
  };
}

/* ------------------------------------------------------------------- rows */

function readDb<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The task's `task_states` rows, replay order. */
export function phaseRows(path: string, taskId: string): string[] {
  return readDb(path, (db) =>
    (db.prepare('SELECT state FROM task_states WHERE task_id = ? ORDER BY id').all(taskId) as Array<{ state: string }>).map((r) => r.state),
  );
}

export interface AuditRow {
  task_id: string;
  step_id: string | null;
  kind: string;
  actor: string;
  comment: string | null;
  source: string | null;
  request: string | null;
  decision: string | null;
  action: string | null;
  tier: string | null;
  stdout: string | null;
  stderr: string | null;
  exit_code: number | null;
  outcome: string;
}

export function auditRows(path: string, taskId: string): AuditRow[] {
  return readDb(path, (db) => db.prepare('SELECT * FROM audit WHERE task_id = ? ORDER BY id').all(taskId) as AuditRow[]);
}

export function taskRows(
  path: string,
): Array<{ id: string; phase: string; owner: string | null; replan_attempts: number; replan_request: string | null }> {
  return readDb(
    path,
    (db) => db.prepare('SELECT id, phase, owner, replan_attempts, replan_request FROM tasks ORDER BY seq').all() as never,
  );
}

export function stepRows(path: string, taskId: string): Array<{ id: string; state: string; error: string | null; reason: string | null }> {
  return readDb(
    path,
    (db) => db.prepare('SELECT id, state, error, reason FROM steps WHERE task_id = ? ORDER BY position').all(taskId) as never,
  );
}

/** Writes to the state file from outside the server (simulating another process). */
export function writeDb(path: string, sql: string, ...params: unknown[]): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).run(...params).changes;
  } finally {
    db.close();
  }
}

/* -------------------------------------------------------------- processes */

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a process that has already exited. */
export function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined) throw new Error('could not spawn `true`');
  return child.pid;
}

/* ---------------------------------------------------------------- plugins */

const anyInput = z.object({ label: z.string().default('') });
type AnyInput = z.infer<typeof anyInput>;

function plugin(
  name: string,
  run: (input: AnyInput, ctx: ActionContext) => Promise<{ summary: string; stdout?: string }>,
  extra: Partial<ActionPlugin<AnyInput>> = {},
): ActionPlugin<unknown> {
  return { apiVersion: 1, name, description: `test probe ${name}`, tier: 'read', input: anyInput, run, ...extra } as ActionPlugin<unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps `delayMs` per step and records how many steps ran at once and in what order. */
export function concurrencyProbe(name = 'probe', delayMs = 50) {
  const stats = { inflight: 0, peak: 0, calls: 0, events: [] as string[], deps: {} as Record<string, Record<string, DependencyOutput>> };
  const p = plugin(name, async (input, ctx) => {
    stats.calls += 1;
    stats.inflight += 1;
    stats.peak = Math.max(stats.peak, stats.inflight);
    stats.events.push(`start:${ctx.stepId}`);
    stats.deps[ctx.stepId] = { ...ctx.deps };
    await sleep(delayMs);
    stats.inflight -= 1;
    stats.events.push(`end:${ctx.stepId}`);
    return { summary: `probed ${input.label || ctx.stepId}`, stdout: `out of ${ctx.stepId}` };
  });
  return { plugin: p, stats };
}

export function throwingPlugin(name = 'boom', message = 'the probe blew up on purpose') {
  return plugin(name, async () => {
    throw new Error(message);
  });
}

/**
 * A step that never finishes by itself and ignores its abort signal. `release()` lets it return
 * late; `signals` are the signals it was given.
 */
export function stubbornPlugin(name = 'stubborn', extra: Partial<ActionPlugin<AnyInput>> = {}) {
  const signals: AbortSignal[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let returned: Promise<unknown> = Promise.resolve();
  const p = plugin(
    name,
    (_input, ctx) => {
      signals.push(ctx.signal);
      const result = released.then(() => ({ summary: 'finished late', stdout: 'late output' }));
      returned = result;
      return result;
    },
    extra,
  );
  return {
    plugin: p,
    signals,
    release,
    /** Resolves once the late result has been handed back to the engine. */
    settled: () => returned.then(() => undefined),
  };
}

/* ---------------------------------------------------------------- the LLM */

export type PromptKind = 'decompose' | 'repair' | 'research' | 'review' | 'other';

export function kindOf(params: CreateMessageRequest['params']): PromptKind {
  const system = params.systemPrompt ?? '';
  if (system.includes('repair planner')) return 'repair';
  if (system.includes('task planner')) return 'decompose';
  if (system.includes('research assistant')) return 'research';
  if (system.includes('review work products')) return 'review';
  return 'other';
}

export function userText(params: CreateMessageRequest['params']): string {
  return params.messages.map((m) => (m.content as { type: string; text?: string }).text ?? '').join('\n');
}

/**
 * A scripted LLM that answers each kind of prompt from its own queue (so a replan reply is never
 * eaten by a research step). An empty queue falls back to `otherwise`, or fails the request.
 */
export function routedLlm(queues: Partial<Record<PromptKind, Reply[]>>, otherwise?: Partial<Record<PromptKind, Reply>>): ScriptedLlm {
  const pending = Object.fromEntries(Object.entries(queues).map(([k, v]) => [k, [...(v ?? [])]])) as Partial<Record<PromptKind, Reply[]>>;
  return new ScriptedLlm([], async (request) => {
    const kind = kindOf(request);
    const reply = pending[kind]?.shift() ?? otherwise?.[kind];
    if (reply === undefined) throw new Error(`the scripted LLM has no ${kind} reply left`);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(request) : reply;
  });
}

/** What a model says when it will not write a corrective plan: prose, no JSON. */
export const DECLINE = "I'm sorry, but I can't come up with a better approach for this one. You may want to check it by hand.";

export function kinds(llm: ScriptedLlm): PromptKind[] {
  return llm.requests.map(kindOf);
}
