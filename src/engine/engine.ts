import { OrchestrateError, errorMessage } from '../errors.js';
import type { ClientChannel } from './channel.js';
import type { EngineContext } from './context.js';
import { createTask, type PlannedTask } from './create-task.js';
import { planFromLlmText } from './decompose/lenient.js';
import { buildDecomposePrompt } from './decompose/prompt.js';
import { validateHostDrafts } from './decompose/strict.js';
import { executeTask } from './executor.js';
import { adoptExternalEnd } from './external.js';
import { TaskGraph } from './graph.js';
import { createLiveTask, type LiveTask } from './live-task.js';
import { isTerminalPhase, type Task, type TaskContext } from './model.js';
import { interruptTask, isStaleOwner } from './recovery.js';
import { toSteps } from './replan.js';
import { SessionRegistry } from './sessions.js';
import { untilAborted } from './step-runner.js';
import { TaskChannel } from './task-channel.js';
import { toTaskView, type TaskView, type ViewOptions } from './view.js';
import { resolveWorkspace } from './workdir.js';

/** How often this process looks for tasks ended by another process sharing the database. */
const SYNC_MS = 1_000;
/** Heartbeat every this many syncs (10 s), so other processes know this one still runs its tasks. */
const HEARTBEAT_EVERY = 10;

/**
 * The service behind the MCP tools: plans, approvals, confirmations, replans, cancellation and
 * queries. Executes approved tasks in the background; SQLite holds the truth.
 */
export class Engine {
  readonly ctx: EngineContext;
  /** The connected client sessions; transports attach and detach them (see TaskChannel for routing). */
  readonly sessions = new SessionRegistry();
  readonly #live = new Map<string, LiveTask>();
  #heartbeat: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(ctx: EngineContext) {
    this.ctx = ctx;
  }

  get recorder() {
    return this.ctx.recorder;
  }

  /** Masks secret values in whatever leaves the server (tool results, resources, prompts, logs). */
  get masker() {
    return this.ctx.masker;
  }

  /** Decomposes a request with the client's LLM and stores the plan for approval. */
  async planBySampling(
    request: string,
    context: TaskContext,
    sample: (system: string, user: string, signal: AbortSignal) => Promise<string>,
    signal: AbortSignal,
  ): Promise<PlannedTask> {
    this.#assertOpen();
    const prompt = this.planningPrompt(request, context);
    const text = await untilAborted(sample(prompt.systemPrompt, prompt.userMessage, signal), signal);
    const drafts = await planFromLlmText(text, this.ctx.registry, this.#allowlist());
    return createTask(this.ctx, request, context, 'sampling', drafts);
  }

  /** Validates a plan written by the calling model and stores it for approval. */
  async planWithSteps(request: string, context: TaskContext, drafts: unknown[]): Promise<PlannedTask> {
    this.#assertOpen();
    return createTask(this.ctx, request, context, 'host', await validateHostDrafts(drafts, this.ctx.registry));
  }

  /** The task context of a new plan: its working directory decided from the request and the client's roots. */
  taskContext(requested: { facts?: string[]; workdir?: string } | undefined, roots: readonly string[] | undefined): TaskContext {
    const workspace = resolveWorkspace(requested?.workdir, roots, {
      defaultWorkdir: this.ctx.settings.workdir,
      ...(this.ctx.settings.sandbox.allowedPaths ? { allowedPaths: this.ctx.settings.sandbox.allowedPaths } : {}),
    });
    return { ...(requested?.facts ? { facts: requested.facts } : {}), ...workspace };
  }

  planningPrompt(request: string, context: TaskContext) {
    return buildDecomposePrompt(request, {
      catalogue: this.ctx.registry,
      ...(context.facts ? { facts: context.facts } : {}),
      ...this.#allowlist(),
    });
  }

  /** Ids of tasks waiting for plan approval, oldest first. */
  pendingApprovals(): string[] {
    return this.ctx.store.awaitingApproval();
  }

  /** Approves a plan: execution starts in the background and this returns at once. */
  approve(taskId: string, planHash: string | undefined, channel: ClientChannel): Task {
    this.#assertOpen();
    const task = this.#load(taskId);
    if (task.phase !== 'awaiting_approval') {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${task.phase}; only a task awaiting approval can be approved.`, {
        details: { taskId, phase: task.phase },
      });
    }
    if (planHash !== undefined && planHash !== task.planHash) {
      throw new OrchestrateError('PLAN_CHANGED', `The plan of task ${taskId} is ${task.planHash}, not ${planHash}.`, {
        details: { taskId, planHash: task.planHash },
      });
    }
    if (!this.ctx.store.claim(taskId, this.ctx.settings.ownerId, this.ctx.recorder.now())) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} was just approved elsewhere.`, { details: { taskId } });
    }
    const live = createLiveTask(task, TaskGraph.from(task.steps), new TaskChannel(channel, this.sessions));
    this.#live.set(task.id, live);
    this.#startHeartbeat();
    this.ctx.recorder.transitionPhase(task, 'executing');
    live.done = executeTask(live, this.ctx)
      .catch((error: unknown) => this.ctx.logger.error({ taskId, err: errorMessage(error) }, 'task execution crashed'))
      .finally(() => {
        this.#live.delete(task.id);
        this.ctx.store.setOwner(task.id, null, this.ctx.recorder.now());
      });
    return task;
  }

  /** Answers a per-step confirmation that is waiting. */
  confirmStep(taskId: string, stepId: string, approved: boolean): Task {
    const task = this.#load(taskId);
    const run = task.runs.get(stepId);
    if (!run) throw new OrchestrateError('STEP_NOT_FOUND', `Task ${taskId} has no step ${stepId}.`, { details: { taskId, stepId } });
    const waiter = this.#live.get(taskId)?.confirmations.get(stepId);
    if (run.state !== 'awaiting_confirmation' || !waiter) {
      throw new OrchestrateError('INVALID_TRANSITION', `Step ${stepId} is ${run.state}, not awaiting confirmation.`, {
        details: { taskId, stepId, state: run.state },
      });
    }
    waiter.resolve(approved);
    return task;
  }

  /** Corrective steps written by the calling model for a task in `awaiting_replan`. */
  async submitReplan(taskId: string, drafts: unknown[]): Promise<Task> {
    const task = this.#load(taskId);
    const live = this.#live.get(taskId);
    if (task.phase !== 'awaiting_replan' || !live?.replanWaiter) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${task.phase}; it is not waiting for corrective steps.`, {
        details: { taskId, phase: task.phase },
      });
    }
    const valid = await validateHostDrafts(drafts, this.ctx.registry);
    if (task.phase !== 'awaiting_replan' || live.replanWaiter === undefined) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} stopped waiting for corrective steps while they were checked.`, {
        details: { taskId, phase: task.phase },
      });
    }
    const steps = toSteps(live, valid, this.ctx);
    live.graph.withSteps(steps);
    live.replanWaiter.resolve(steps);
    return task;
  }

  /** Cancels a task: unfinished steps become cancelled, then in-flight work is aborted. */
  cancel(taskId: string, reason = 'cancelled by request'): Task {
    const live = this.#live.get(taskId);
    const task = live?.task ?? this.#load(taskId);
    if (isTerminalPhase(task.phase)) return task;
    const at = this.ctx.recorder.now();
    const changes = [...task.runs]
      .filter(([, run]) => !['completed', 'failed', 'skipped', 'cancelled'].includes(run.state))
      .map(([id, run]) => [id, { ...run, state: 'cancelled' as const, reason, finishedAt: at }] as const);
    this.ctx.store.transaction(() => {
      this.ctx.recorder.setSteps(task, changes);
      this.ctx.recorder.transitionPhase(task, 'cancelled');
    });
    live?.abort.abort(new Error(reason));
    return task;
  }

  /** The current state of a task: the live copy when this process runs it, else the stored one. */
  get(taskId: string): { task: Task; graph: TaskGraph } {
    const live = this.#live.get(taskId);
    if (live) return { task: live.task, graph: live.graph };
    const task = this.#load(taskId);
    return { task, graph: TaskGraph.from(task.steps) };
  }

  /** The TaskView of a task, with this server's settings in its hints. */
  view(taskId: string, options: Omit<ViewOptions, 'confirmationTimeoutsMs'> = {}): TaskView {
    const { task, graph } = this.get(taskId);
    return toTaskView(task, graph, { ...options, confirmationTimeoutsMs: this.ctx.settings.confirmationTimeoutsMs });
  }

  list(limit: number, offset: number) {
    return this.ctx.store.listTasks(limit, offset);
  }

  /** Resolves when the task changes (or ends, for `terminal`), or after `timeoutMs`. */
  waitFor(taskId: string, until: 'change' | 'terminal', timeoutMs: number, signal: AbortSignal): Promise<void> {
    const { task } = this.get(taskId);
    if (until === 'terminal' && isTerminalPhase(task.phase)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.ctx.recorder.off('change', onChange);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onChange = (changed: Task): void => {
        if (changed.id !== taskId) return;
        if (until === 'change' || isTerminalPhase(changed.phase)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.ctx.recorder.on('change', onChange);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Settles tasks whose executing process is gone (a crash or kill): their in-flight steps fail
   * as interrupted, nothing is re-run, and the task ends `failed`.
   */
  recover(): string[] {
    const recovered: string[] = [];
    for (const row of this.ctx.store.unfinished()) {
      if (this.#live.has(row.id) || !isStaleOwner(row, this.ctx.clock.now())) continue;
      const task = this.ctx.store.loadTask(row.id);
      if (!task) continue;
      interruptTask(task, this.ctx, 'the server stopped while this step was running');
      this.ctx.store.setOwner(task.id, null, this.ctx.recorder.now());
      recovered.push(task.id);
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
      Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    await within(Promise.all([...this.#live.values()].map((live) => live.done)), options.drainMs ?? 1_500);
    clearInterval(this.#heartbeat);
    const running = [...this.#live.values()];
    for (const live of running) {
      interruptTask(live.task, this.ctx, 'the server shut down while this step was running');
      live.abort.abort(new Error('server shutting down'));
    }
    await within(Promise.all(running.map((live) => live.done)), options.settleMs ?? 2_000);
  }

  #load(taskId: string): Task {
    const live = this.#live.get(taskId);
    if (live) return live.task;
    const task = this.ctx.store.loadTask(taskId);
    if (!task) throw new OrchestrateError('TASK_NOT_FOUND', `No task has id ${taskId}.`, { details: { taskId } });
    return task;
  }

  #allowlist(): { allowlist?: string[] } {
    const allowlist = this.ctx.settings.sandbox.allowlist;
    return allowlist ? { allowlist: [...allowlist] } : {};
  }

  #assertOpen(): void {
    if (this.#closing) throw new OrchestrateError('SHUTTING_DOWN', 'The server is shutting down.');
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    let tick = 0;
    this.#heartbeat = setInterval(() => {
      tick += 1;
      try {
        for (const live of this.#live.values()) adoptExternalEnd(live, this.ctx);
        if (tick % HEARTBEAT_EVERY === 0) this.ctx.store.heartbeat(this.ctx.settings.ownerId, this.ctx.recorder.now());
      } catch (error) {
        this.ctx.logger.warn({ err: errorMessage(error) }, 'heartbeat failed');
      }
    }, SYNC_MS);
    this.#heartbeat.unref();
  }
}
