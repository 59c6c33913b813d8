import type { EventEmitter } from 'node:events';
import { OrchestrateError, errorMessage } from '../errors.js';
import type { ActionInfo } from './catalogue.js';
import { detachedChannel, type ClientChannel } from './channel.js';
import type { BudgetReport } from './governance/budgets.js';
import { recallEpisodes } from './governance/episodes.js';
import { taskEnded } from './governance/task-ended.js';
import { TaskGraph } from './graph.js';
import { isTerminalPhase, isTerminalStepState, type Actor, type Task, type TaskContext } from './model.js';
import { createTask, type PlannedTask } from './plan/create-task.js';
import { planFromLlmText } from './plan/lenient.js';
import { buildDecomposePrompt, stepDraftJsonSchema, type PlannerPrompt } from './plan/prompt.js';
import { validateHostDrafts } from './plan/strict.js';
import { resolveWorkspace } from './plan/workdir.js';
import type { AuditTrail, TaskQuery, TaskSummary } from './ports.js';
import { SessionRegistry } from './routing/sessions.js';
import { TaskChannel } from './routing/task-channel.js';
import { untilAborted } from './run/abort.js';
import type { RunDeps } from './run/deps.js';
import { executeTask } from './run/executor.js';
import { interruptTask, isStaleOwner } from './run/recovery.js';
import { toSteps } from './run/replan.js';
import { TaskRun, type StepAnswer } from './run/task-run.js';
import type { WriterEvents } from './run/writer.js';
import { toTaskView, type TaskView, type ViewOptions } from './views/view.js';

/** How often this process looks for tasks ended by another process sharing the database. */
const SYNC_MS = 1_000;
/** Heartbeat every this many syncs (10 s), so other processes know this one still runs its tasks. */
const HEARTBEAT_EVERY = 10;

export type EngineDeps = Omit<RunDeps, 'sessions'>;

/**
 * The service behind the MCP tools, the resources, the web view and the command line: plans,
 * approvals, confirmations, replans, cancellation and queries. Runs approved tasks in the
 * background, each owned by one TaskRun; the store holds the truth.
 */
export class Engine {
  /** The connected client sessions; transports attach and detach them (see TaskChannel for routing). */
  readonly sessions = new SessionRegistry();
  readonly #deps: RunDeps;
  readonly #runs = new Map<string, TaskRun>();
  #stopSync: (() => void) | undefined;
  #closing = false;

  constructor(deps: EngineDeps) {
    this.#deps = { ...deps, sessions: this.sessions };
  }

  /** Phase, step and change events of every task this process writes. */
  get events(): Pick<EventEmitter<WriterEvents>, 'on' | 'off' | 'once' | 'listenerCount'> {
    return this.#deps.writer;
  }

  /** Masks secret values in whatever leaves the server (tool results, resources, prompts, logs). */
  get masker() {
    return this.#deps.masker;
  }

  /** Decomposes a request with the client's LLM and stores the plan for approval. */
  async planBySampling(
    request: string,
    context: TaskContext,
    sample: (system: string, user: string, signal: AbortSignal, maxTokens: number) => Promise<string>,
    signal: AbortSignal,
  ): Promise<PlannedTask> {
    this.#assertOpen();
    const prompt = await this.planningPrompt(request, context);
    const maxTokens = this.#deps.settings.samplingMaxTokens;
    const text = await this.#deps.budgets.meterPlanning(prompt.systemPrompt.length + prompt.userMessage.length, maxTokens, () =>
      untilAborted(sample(prompt.systemPrompt, prompt.userMessage, signal, maxTokens), signal),
    );
    const drafts = await planFromLlmText(text, this.#deps.catalogue);
    return createTask(this.#deps, request, context, 'sampling', drafts);
  }

  /** Validates a plan written by the calling model and stores it for approval. */
  async planWithSteps(request: string, context: TaskContext, drafts: unknown[]): Promise<PlannedTask> {
    this.#assertOpen();
    return createTask(this.#deps, request, context, 'host', await validateHostDrafts(drafts, this.#deps.catalogue));
  }

  /** The task context of a new plan: its working directory decided from the request and the client's roots. */
  taskContext(requested: { facts?: string[]; workdir?: string } | undefined, roots: readonly string[] | undefined): TaskContext {
    const { settings } = this.#deps;
    const workspace = resolveWorkspace(requested?.workdir, roots, {
      defaultWorkdir: settings.workdir,
      ...(settings.allowedPaths ? { allowedPaths: settings.allowedPaths } : {}),
    });
    return { ...(requested?.facts ? { facts: requested.facts } : {}), ...workspace };
  }

  /** The decomposition prompt, with the past tasks most like this request. */
  async planningPrompt(request: string, context: TaskContext): Promise<PlannerPrompt> {
    const { allowlist } = this.#deps.settings;
    return buildDecomposePrompt(request, {
      catalogue: this.#deps.catalogue,
      ...(context.facts ? { facts: context.facts } : {}),
      ...(allowlist ? { allowlist: [...allowlist] } : {}),
      episodes: await recallEpisodes(this.#deps, request),
    });
  }

  /** Today's spend against the per-day budgets, and every limit. */
  budgetReport(): Promise<BudgetReport> {
    return this.#deps.budgets.report();
  }

  /** JSON Schema of a steps array, for clients that write the plan themselves. */
  stepSchema(): Record<string, unknown> {
    return stepDraftJsonSchema(this.#deps.catalogue);
  }

  /** The loaded actions, as planners see them. */
  actions(): ActionInfo[] {
    return this.#deps.catalogue.list();
  }

  /** Ids of the tasks this process is running now. */
  running(): string[] {
    return [...this.#runs.keys()];
  }

  /** Ids of tasks waiting for plan approval, oldest first. */
  pendingApprovals(): Promise<string[]> {
    return this.#deps.store.awaitingApproval();
  }

  /** Approves a plan: execution starts in the background and this returns at once. */
  async approve(taskId: string, options: Decision & { planHash?: string; channel?: ClientChannel }): Promise<Task> {
    this.#assertOpen();
    const task = await this.#load(taskId);
    assertAwaitingApproval(task, 'approved');
    if (options.planHash !== undefined && options.planHash !== task.planHash) {
      throw new OrchestrateError('PLAN_CHANGED', `The plan of task ${taskId} is ${task.planHash}, not ${options.planHash}.`, {
        details: { taskId, planHash: task.planHash },
      });
    }
    const audit = [{ ...decided(options), kind: 'plan_approved' as const, details: { planHash: task.planHash } }];
    if (!(await this.#deps.writer.claim(task, this.#deps.settings.ownerId, audit))) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} was just approved elsewhere.`, { details: { taskId } });
    }
    this.#start(new TaskRun(task, new TaskChannel(options.channel ?? detachedChannel, this.sessions), this.#deps));
    return task;
  }

  /** Rejects a plan awaiting approval: the task and its steps end cancelled, nothing runs. */
  async reject(taskId: string, options: Decision & { reason: string }): Promise<Task> {
    const task = await this.#load(taskId);
    assertAwaitingApproval(task, 'rejected');
    return this.#end(task, options.reason, [{ ...decided(options), comment: options.comment ?? options.reason, kind: 'plan_rejected' }]);
  }

  /** Cancels a task: unfinished steps become cancelled, then in-flight work is aborted. */
  async cancel(taskId: string, options: Decision & { reason: string }): Promise<Task> {
    const audit = { ...decided(options), comment: options.reason, kind: 'cancelled' as const };
    const run = this.#runs.get(taskId);
    if (run) {
      await run.cancel(options.reason, audit);
      return run.task;
    }
    const task = await this.#load(taskId);
    if (isTerminalPhase(task.phase)) return task;
    // Run by another process (or by none): it sees the stored end within a second and stops.
    return this.#end(task, options.reason, [audit]);
  }

  /** Answers a per-step confirmation that is waiting. */
  async answerStep(taskId: string, stepId: string, answer: StepAnswer): Promise<Task> {
    const run = this.#runs.get(taskId);
    const task = run?.task ?? (await this.#load(taskId));
    if (!task.runs.has(stepId))
      throw new OrchestrateError('STEP_NOT_FOUND', `Task ${taskId} has no step ${stepId}.`, { details: { taskId, stepId } });
    if (!run) {
      const state = task.runs.get(stepId)?.state;
      throw new OrchestrateError('INVALID_TRANSITION', `Step ${stepId} is ${state}, not awaiting confirmation here.`, {
        details: { taskId, stepId, state },
      });
    }
    run.answer(stepId, answer);
    return run.task;
  }

  /** Corrective steps written by the calling model for a task in `awaiting_replan`. */
  async submitReplan(taskId: string, drafts: unknown[]): Promise<Task> {
    const run = this.#runs.get(taskId);
    const task = run?.task ?? (await this.#load(taskId));
    if (!run?.waitingForReplan) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${task.phase}; it is not waiting for corrective steps.`, {
        details: { taskId, phase: task.phase },
      });
    }
    const valid = await validateHostDrafts(drafts, this.#deps.catalogue);
    await run.submitReplan(toSteps(run, valid));
    return run.task;
  }

  /** The current state of a task: the live copy when this process runs it, else the stored one. */
  async get(taskId: string): Promise<{ task: Task; graph: TaskGraph }> {
    const run = this.#runs.get(taskId);
    if (run) return { task: run.task, graph: run.graph };
    const task = await this.#load(taskId);
    return { task, graph: TaskGraph.from(task.steps) };
  }

  /** The TaskView of a task, with this server's settings in its hints. */
  async view(taskId: string, options: Omit<ViewOptions, 'confirmationTimeoutsMs'> = {}): Promise<TaskView> {
    const { task, graph } = await this.get(taskId);
    const view = toTaskView(task, graph, { ...options, confirmationTimeoutsMs: this.#deps.settings.confirmationTimeoutsMs });
    return this.#deps.budgets.limited ? { ...view, budget: await this.#deps.budgets.view(taskId) } : view;
  }

  list(query: TaskQuery): Promise<{ items: TaskSummary[]; total: number }> {
    return this.#deps.store.listTasks(query);
  }

  async exists(taskId: string): Promise<boolean> {
    return this.#runs.has(taskId) || (await this.#deps.store.phaseOf(taskId)) !== undefined;
  }

  /** The task's audit entries, with their hash chain, and its phase history. */
  async audit(taskId: string): Promise<AuditTrail> {
    if (!(await this.exists(taskId))) throw notFound(taskId);
    return this.#deps.store.auditTrail(taskId);
  }

  /** Resolves when the task changes (or ends, for `terminal`), or after `timeoutMs`. */
  async waitFor(taskId: string, until: 'change' | 'terminal', timeoutMs: number, signal: AbortSignal): Promise<void> {
    const { task } = await this.get(taskId);
    if (until === 'terminal' && isTerminalPhase(task.phase)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stopTimer();
        this.#deps.writer.off('change', onChange);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onChange = (changed: Task): void => {
        if (changed.id !== taskId) return;
        if (until === 'change' || isTerminalPhase(changed.phase)) done();
      };
      const stopTimer = this.#deps.clock.after(timeoutMs, done);
      this.#deps.writer.on('change', onChange);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Settles tasks whose executing process is gone (a crash or kill): their in-flight steps fail
   * as interrupted, nothing is re-run, and the task ends `failed`.
   */
  async recover(): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of await this.#deps.store.unfinished()) {
      if (this.#runs.has(row.id) || !isStaleOwner(row, this.#deps.clock.now())) continue;
      if (!(await this.#deps.store.adopt(row.id, this.#deps.settings.ownerId, row.owner, this.#deps.writer.now()))) continue;
      const run = await TaskRun.load(row.id, detachedChannel, this.#deps);
      if (!run) continue;
      await interruptTask(run, 'the server stopped while this step was running');
      await this.#deps.store.release(row.id, this.#deps.settings.ownerId);
      recovered.push(row.id);
    }
    return recovered;
  }

  /**
   * Ordered shutdown: refuse new work; give running tasks `drainMs` to finish on their own (a
   * one-shot client that approves and disconnects still gets its quick task done); then settle
   * what is left as interrupted, abort it, and wait up to `settleMs` for it to stop.
   */
  async close(options: { drainMs?: number; settleMs?: number } = {}): Promise<void> {
    this.#closing = true;
    const within = (promise: Promise<unknown>, ms: number) =>
      Promise.race([promise, new Promise<void>((resolve) => this.#deps.clock.after(ms, resolve))]);
    await within(Promise.all([...this.#runs.values()].map((run) => run.done)), options.drainMs ?? 1_500);
    this.#stopSync?.();
    const running = [...this.#runs.values()];
    await Promise.all(
      running.map(async (run) => {
        await interruptTask(run, 'the server shut down while this step was running').catch(() => {});
        run.stop(new Error('server shutting down'));
      }),
    );
    await within(Promise.all(running.map((run) => run.done)), options.settleMs ?? 2_000);
  }

  #start(run: TaskRun): void {
    const { deps } = run;
    this.#runs.set(run.task.id, run);
    this.#startSync();
    run.done = executeTask(run)
      .catch(async (error: unknown) => {
        deps.logger.error(
          { taskId: run.task.id, err: error instanceof Error ? error.stack : errorMessage(error) },
          'task execution crashed',
        );
        await settleCrashed(run, error).catch(() => {});
      })
      .finally(async () => {
        await taskEnded(run);
        this.#runs.delete(run.task.id);
        await deps.store.release(run.task.id, deps.settings.ownerId).catch(() => {});
      });
  }

  async #end(task: Task, reason: string, audit: Parameters<RunDeps['writer']['commit']>[1]['audit']): Promise<Task> {
    const at = this.#deps.writer.now();
    const steps = [...task.runs]
      .filter(([, run]) => !isTerminalStepState(run.state))
      .map(([id, run]) => [id, { ...run, state: 'cancelled' as const, reason, finishedAt: at }] as const);
    await this.#deps.writer.commit(task, { steps, phases: ['cancelled'], ...(audit ? { audit } : {}) });
    return task;
  }

  async #load(taskId: string): Promise<Task> {
    const run = this.#runs.get(taskId);
    if (run) return run.task;
    const task = await this.#deps.store.loadTask(taskId);
    if (!task) throw notFound(taskId);
    return task;
  }

  #assertOpen(): void {
    if (this.#closing) throw new OrchestrateError('SHUTTING_DOWN', 'The server is shutting down.');
  }

  #startSync(): void {
    if (this.#stopSync) return;
    let tick = 0;
    this.#stopSync = this.#deps.clock.every(SYNC_MS, () => {
      tick += 1;
      void (async () => {
        for (const run of this.#runs.values()) await run.syncWithStore();
        if (tick % HEARTBEAT_EVERY === 0) await this.#deps.store.heartbeat(this.#deps.settings.ownerId, this.#deps.writer.now());
      })().catch((error: unknown) => this.#deps.logger.warn({ err: errorMessage(error) }, 'heartbeat failed'));
    });
  }
}

/** An unexpected error inside a task's run: it ends failed (never stuck in executing), with what is known. */
async function settleCrashed(run: TaskRun, error: unknown): Promise<void> {
  if (isTerminalPhase(run.task.phase)) return;
  const at = run.deps.writer.now();
  const why = `Internal error while running the task: ${errorMessage(error)}`;
  const steps = [...run.task.runs]
    .filter(([, state]) => !isTerminalStepState(state.state))
    .map(([id, state]) =>
      state.state === 'pending'
        ? ([id, { ...state, state: 'skipped' as const, reason: 'the task stopped on an internal error', finishedAt: at }] as const)
        : ([id, { ...state, state: 'failed' as const, error: why, finishedAt: at }] as const),
    );
  await run.commit({
    steps,
    meta: { replanRequest: null },
    phases: ['reconciling', 'failed'],
    audit: [{ actor: 'system', kind: 'note', comment: why }],
  });
}

/** Who decided, in their words, and through what (the audit's source: "approve tool", "web view", …). */
export interface Decision {
  actor: Actor;
  comment?: string;
  via?: string;
}

function decided(decision: Decision): { actor: Actor; comment?: string; source?: string } {
  return {
    actor: decision.actor,
    ...(decision.comment ? { comment: decision.comment } : {}),
    ...(decision.via ? { source: decision.via } : {}),
  };
}

function assertAwaitingApproval(task: Task, verb: string): void {
  if (task.phase === 'awaiting_approval') return;
  throw new OrchestrateError('INVALID_TRANSITION', `Task ${task.id} is ${task.phase}; only a task awaiting approval can be ${verb}.`, {
    details: { taskId: task.id, phase: task.phase },
  });
}

function notFound(taskId: string): OrchestrateError {
  return new OrchestrateError('TASK_NOT_FOUND', `No task has id ${taskId}.`, { details: { taskId } });
}
