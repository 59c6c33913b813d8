import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { isoNow, type Clock } from '../../clock.js';
import {
  canTransitionPhase,
  canTransitionStep,
  isTerminalPhase,
  isTerminalStepState,
  type Phase,
  type ReplanRequest,
  type Step,
  type StepRun,
  type Task,
  type TaskMeta,
} from '../model.js';
import type { AuditRecord, Committed, TaskStore } from '../ports.js';

export interface PhaseChange {
  taskId: string;
  from: Phase | 'none';
  to: Phase;
  at: string;
}

export interface StepChange {
  taskId: string;
  stepId: string;
  run: StepRun;
}

export interface WriterEvents {
  phase: [PhaseChange];
  step: [StepChange];
  /** Anything observable about the task changed. */
  change: [Task];
}

/** An audit entry as the writer takes it: the task and the time are its own. */
export type AuditDraft = Omit<AuditRecord, 'taskId' | 'ts'>;

/** What one call changes; everything in it is checked, stored in one transaction, then applied. */
export interface Change {
  steps?: ReadonlyArray<readonly [string, StepRun]>;
  /** Phases to enter, in order (reconciling then completed, say). */
  phases?: readonly Phase[];
  /** Task fields besides the phase; `replanRequest: null` clears it. */
  meta?: { planHash?: string; replanAttempts?: number; replanRequest?: ReplanRequest | null };
  /** Steps a replan adds, pending. */
  added?: readonly Step[];
  audit?: readonly AuditDraft[];
  /** Write only while this owner holds the task (see StoredChange.owner). */
  owner?: string;
}

const NOTHING: Committed = { steps: [], phases: [] };

/**
 * The only writer of task and step state. A change is checked against the transition tables and
 * the task's current state (terminal is terminal), written to the store in one transaction, applied
 * to the task object, then announced. Changes of one task are applied one at a time, in call order.
 */
export class Writer extends EventEmitter<WriterEvents> {
  readonly #store: TaskStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: TaskStore, clock: Clock, logger: Logger) {
    super();
    this.setMaxListeners(0);
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
  }

  now(): string {
    return isoNow(this.#clock);
  }

  /** Stores a new task (it enters planning, then awaiting approval) with its first audit entries. */
  async create(task: Task, audit: readonly AuditDraft[]): Promise<void> {
    const at = task.createdAt;
    await this.#store.createTask({ ...task, phase: 'awaiting_approval' }, ['planning', 'awaiting_approval'], this.#audit(task, audit, at));
    task.phase = 'planning';
    this.emit('phase', { taskId: task.id, from: 'none', to: 'planning', at });
    this.#announce(task, [], ['awaiting_approval'], 'planning', at);
  }

  /** Takes an approved task for `owner` and moves it to executing; false when another process got it first. */
  async claim(task: Task, owner: string, audit: readonly AuditDraft[]): Promise<boolean> {
    return this.#queued(task, async () => {
      if (task.phase !== 'awaiting_approval') return false;
      const at = this.now();
      if (!(await this.#store.claim(task.id, owner, at, this.#audit(task, audit, at)))) return false;
      this.#announce(task, [], ['executing'], task.phase, at);
      return true;
    });
  }

  commit(task: Task, change: Change): Promise<Committed> {
    return this.#queued(task, () => this.#apply(task, change));
  }

  /** Takes over what another process stored for this task (it ended the task there, say). */
  adopt(task: Task, stored: Task): void {
    const from = task.phase;
    for (const [stepId, run] of stored.runs) if (task.runs.has(stepId)) task.runs.set(stepId, run);
    task.phase = stored.phase;
    if (stored.completedAt !== undefined) task.completedAt = stored.completedAt;
    task.version += 1;
    if (from !== stored.phase) this.emit('phase', { taskId: task.id, from, to: stored.phase, at: this.now() });
    this.emit('change', task);
  }

  async #apply(task: Task, change: Change): Promise<Committed> {
    const steps = (change.steps ?? []).filter(([stepId, run]) => allowed(task, stepId, run));
    const phases = reachable(task.phase, change.phases ?? []);
    const added = change.added && change.added.length > 0 ? change.added : undefined;
    const meta = change.meta ? merged(task, change.meta) : undefined;
    const audit = change.audit ?? [];
    if (steps.length === 0 && phases.length === 0 && !added && !meta && audit.length === 0) return NOTHING;
    const at = this.now();
    const committed = await this.#store.commit(task.id, {
      at,
      ...(added ? { added: { steps: added, startPosition: task.steps.length } } : {}),
      steps,
      phases,
      ...(meta ? { meta } : {}),
      audit: this.#audit(task, audit, at),
      ...(change.owner !== undefined ? { owner: change.owner } : {}),
    });
    if (committed.fenced) return committed;
    if (added) {
      task.steps.push(...added);
      for (const step of added) task.runs.set(step.id, { state: 'pending' });
    }
    const written = committed.steps.length === steps.length ? steps : only(steps, new Set(committed.steps));
    for (const [stepId, run] of written) task.runs.set(stepId, run);
    if (meta) applyMeta(task, meta);
    const from = task.phase;
    if (committed.phases.length < phases.length) await this.#adoptStoredPhase(task);
    this.#announce(task, written, committed.phases, from, at);
    return committed;
  }

  #announce(task: Task, steps: ReadonlyArray<readonly [string, StepRun]>, phases: readonly Phase[], from: Phase, at: string): void {
    let previous = from;
    for (const phase of phases) {
      task.phase = phase;
      if (isTerminalPhase(phase)) task.completedAt = at;
    }
    task.version += 1;
    this.emit('change', task);
    for (const [stepId, run] of steps) this.emit('step', { taskId: task.id, stepId, run });
    for (const phase of phases) {
      this.emit('phase', { taskId: task.id, from: previous, to: phase, at });
      previous = phase;
    }
  }

  /** The stored task ended elsewhere (a cancel another process took): take its phase. */
  async #adoptStoredPhase(task: Task): Promise<void> {
    const stored = await this.#store.loadTask(task.id);
    if (!stored || stored.phase === task.phase) return;
    this.#logger.debug({ taskId: task.id, phase: stored.phase }, 'took the phase another process stored');
    this.adopt(task, stored);
  }

  #audit(task: Task, drafts: readonly AuditDraft[], at: string): AuditRecord[] {
    return drafts.map((draft) => ({ taskId: task.id, ts: at, ...draft }));
  }

  #queued<T>(task: Task, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(task.id);
    const next = previous ? previous.then(work, work) : work();
    const forget = (): void => {
      if (this.#queues.get(task.id) === settled) this.#queues.delete(task.id);
    };
    const settled: Promise<void> = next.then(forget, forget);
    this.#queues.set(task.id, settled);
    return next;
  }
}

/** The step changes the store wrote (it refuses those of steps another process ended). */
function only(steps: ReadonlyArray<readonly [string, StepRun]>, written: ReadonlySet<string>): Array<readonly [string, StepRun]> {
  return steps.filter(([stepId]) => written.has(stepId));
}

function allowed(task: Task, stepId: string, next: StepRun): boolean {
  const current = task.runs.get(stepId);
  if (!current || isTerminalStepState(current.state)) return false;
  return current.state === next.state || canTransitionStep(current.state, next.state);
}

/** The longest prefix of `wanted` the phase table allows from `from`. */
function reachable(from: Phase, wanted: readonly Phase[]): Phase[] {
  const phases: Phase[] = [];
  let current = from;
  for (const phase of wanted) {
    if (phase === current || !canTransitionPhase(current, phase)) break;
    phases.push(phase);
    current = phase;
  }
  return phases;
}

function merged(task: Task, meta: NonNullable<Change['meta']>): TaskMeta {
  const replanRequest = meta.replanRequest === null ? undefined : (meta.replanRequest ?? task.replanRequest);
  return {
    planHash: meta.planHash ?? task.planHash,
    replanAttempts: meta.replanAttempts ?? task.replanAttempts,
    ...(replanRequest ? { replanRequest } : {}),
  };
}

function applyMeta(task: Task, meta: TaskMeta): void {
  task.planHash = meta.planHash;
  task.replanAttempts = meta.replanAttempts;
  if (meta.replanRequest) task.replanRequest = meta.replanRequest;
  else delete task.replanRequest;
}
