import type { EventEmitter } from 'node:events';
import { OrchestrateError, errorMessage } from '../errors.js';
import type { ActionInfo } from './catalogue.js';
import { detachedChannel, type ClientChannel } from './channel.js';
import type { BudgetReport } from './governance/budgets.js';
import { recallEpisodes } from './governance/episodes.js';
import { taskEnded } from './governance/task-ended.js';
import { assertApprovable, decided, endTask, notFound, postStepAnswer, type Decision } from './decisions.js';

export type { Decision } from './decisions.js';
import { EndedTasks, type TaskWithGraph } from './ended-tasks.js';
import { TaskGraph } from './graph.js';
import { ACTORS, isTerminalPhase, isTerminalStepState, type Actor, type Task, type TaskContext } from './model.js';
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
import { isStaleOwner } from './run/recovery.js';
import { toSteps } from './run/replan.js';
import { resumeTask } from './run/resume.js';
import { STEP_DECISIONS, TaskRun, type StepAnswer } from './run/task-run.js';
import type { WriterEvents } from './run/writer.js';
import { toTaskView, type TaskView, type ViewOptions } from './views/view.js';

/** How often this process looks for tasks ended by another process sharing the database. */
const SYNC_MS = 1_000;
/** Look for unfinished tasks whose owner is gone every this many syncs (2 s). */
const RESUME_EVERY = 2;
/** Heartbeat every this many syncs (10 s), so other processes know this one still runs its tasks. */
const HEARTBEAT_EVERY = 10;
/** Steps of ended tasks kept in memory for reading (a few big tasks or many small ones); see EndedTasks. */
const ENDED_STEPS_HELD = 20_000;

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
  readonly #ended = new EndedTasks(ENDED_STEPS_HELD);
  #stopLoop: (() => void) | undefined;
  #resuming: Promise<string[]> | undefined;
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
  taskContext(
    requested: { facts?: string[]; workdir?: string } | undefined,
    roots: readonly string[] | undefined,
    clientSamples = false,
  ): TaskContext {
    const { settings } = this.#deps;
    const workspace = resolveWorkspace(requested?.workdir, roots, {
      defaultWorkdir: settings.workdir,
      ...(settings.allowedPaths ? { allowedPaths: settings.allowedPaths } : {}),
    });
    return { ...(requested?.facts ? { facts: requested.facts } : {}), ...workspace, ...(clientSamples ? { clientSamples } : {}) };
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
    assertApprovable(task, 'approved', options.planHash);
    const audit = [{ ...decided(options), kind: 'plan_approved' as const, details: { planHash: task.planHash } }];
    if (!(await this.#deps.writer.claim(task, this.#deps.settings.ownerId, audit))) {
      throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} was just approved elsewhere.`, { details: { taskId } });
    }
    const channel = new TaskChannel(options.channel ?? detachedChannel, this.sessions, { samples: task.context.clientSamples === true });
    this.#start(new TaskRun(task, channel, this.#deps));
    return task;
  }

  /** Rejects a plan awaiting approval: the task and its steps end cancelled, nothing runs. */
  async reject(taskId: string, options: Decision & { reason: string }): Promise<Task> {
    const task = await this.#load(taskId);
    assertApprovable(task, 'rejected');
    return endTask(this.#deps, task, options.reason, [
      { ...decided(options), comment: options.comment ?? options.reason, kind: 'plan_rejected' },
    ]);
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
    return endTask(this.#deps, task, options.reason, [audit]);
  }

  /** Answers a per-step confirmation that is waiting. */
  async answerStep(taskId: string, stepId: string, answer: StepAnswer): Promise<Task> {
    const run = this.#runs.get(taskId);
    const task = run?.task ?? (await this.#load(taskId));
    if (!task.runs.has(stepId))
      throw new OrchestrateError('STEP_NOT_FOUND', `Task ${taskId} has no step ${stepId}.`, { details: { taskId, stepId } });
    if (!run) {
      // Another process runs the task (or will, once one adopts it): it takes the answer from the store.
      await postStepAnswer(this.#deps, task, stepId, answer);
      return task;
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
    await this.#deps.budgets.checkCorrection(run, valid, this.#deps.catalogue);
    await run.submitReplan(toSteps(run, valid));
    return run.task;
  }

  /** The current state of a task: the live copy when this process runs it, else the stored one. */
  async get(taskId: string): Promise<TaskWithGraph> {
    const run = this.#runs.get(taskId);
    if (run) return { task: run.task, graph: run.graph };
    return this.#ended.get(taskId) ?? this.#stored(taskId);
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
   * Starts the engine's background duties: it resumes the unfinished tasks no live process runs
   * (left by a crash, a kill or a stop), now and every few seconds (so a live server adopts a dead
   * peer's task within seconds), checks its tasks against the store and beats its heart. Resolves
   * with the ids resumed at start.
   */
  start(): Promise<string[]> {
    if (!this.#stopLoop) {
      let tick = 0;
      this.#stopLoop = this.#deps.clock.every(SYNC_MS, () => {
        tick += 1;
        void this.#tick(tick).catch((error: unknown) => this.#deps.logger.warn({ err: errorMessage(error) }, 'background check failed'));
      });
    }
    return this.resume();
  }

  /**
   * Resumes every unfinished task whose owner is gone: takes ownership (one process wins), stops
   * the process groups its steps left running, decides about each step that was in flight (see
   * resumeTask) and runs the task on here. Resolves with the ids it resumed.
   */
  resume(): Promise<string[]> {
    this.#resuming ??= this.#resumeStale().finally(() => (this.#resuming = undefined));
    return this.#resuming;
  }

  async #resumeStale(): Promise<string[]> {
    const { store, settings, writer, clock, logger } = this.#deps;
    const resumed: string[] = [];
    for (const row of await store.unfinished()) {
      if (this.#closing) break;
      if (this.#runs.has(row.id) || !isStaleOwner(row, clock.now())) continue;
      if (!(await store.adopt(row.id, settings.ownerId, row.owner, writer.now()))) continue;
      const task = await store.loadTask(row.id);
      if (!task) continue;
      const run = new TaskRun(
        task,
        new TaskChannel(detachedChannel, this.sessions, { samples: task.context.clientSamples === true }),
        this.#deps,
      );
      try {
        await resumeTask(run);
      } catch (error) {
        await store.release(row.id, settings.ownerId).catch(() => {});
        throw error;
      }
      logger.warn({ taskId: row.id, previousOwner: row.owner, phase: row.phase }, 'resumed an unfinished task');
      this.#start(run);
      resumed.push(row.id);
    }
    return resumed;
  }

  async #tick(tick: number): Promise<void> {
    if (this.#runs.size > 0) await this.#takeAnswers();
    if (this.#runs.size > 0) {
      const owners = new Map((await this.#deps.store.unfinished()).map((row) => [row.id, row.owner]));
      for (const [taskId, run] of this.#runs) {
        if (!owners.has(taskId)) await run.syncWithStore();
        else if (owners.get(taskId) !== this.#deps.settings.ownerId) run.lostOwnership();
      }
    }
    if (tick % RESUME_EVERY === 0) await this.resume();
    if (tick % HEARTBEAT_EVERY === 0 && this.#runs.size > 0)
      await this.#deps.store.heartbeat(this.#deps.settings.ownerId, this.#deps.writer.now());
  }

  /**
   * Applies the answers other processes left for steps of tasks run here: one whose step waits now
   * is given to it; one whose step can no longer take it (it ended, or waits for another kind of
   * answer) is dropped with a warning; one whose step will ask again soon (a resumed task) waits.
   */
  async #takeAnswers(): Promise<void> {
    const { store, logger } = this.#deps;
    for (const posted of await store.postedAnswers([...this.#runs.keys()])) {
      const run = this.#runs.get(posted.taskId);
      if (!run) continue;
      const state = run.run(posted.stepId)?.state;
      if (run.isWaitingFor(posted.stepId)) {
        try {
          run.answer(posted.stepId, toStepAnswer(posted.answer));
        } catch (error) {
          logger.warn(
            { taskId: posted.taskId, stepId: posted.stepId, err: errorMessage(error) },
            'an answer left by another process was refused',
          );
        }
      } else if (state === 'pending' || (state === 'awaiting_confirmation' && !isTerminalPhase(run.task.phase))) {
        continue;
      } else {
        logger.warn({ taskId: posted.taskId, stepId: posted.stepId, state }, 'an answer left by another process came too late');
      }
      await store.dropAnswer(posted.id);
    }
  }

  /**
   * Ordered shutdown: refuse new work; give running tasks `drainMs` to finish on their own (a
   * one-shot client that approves and disconnects still gets its quick task done); then stop what
   * is left without settling it: its steps are aborted (their processes stopped) and the tasks stay
   * unfinished for the next start to resume. Waits up to `settleMs` for them to stop.
   */
  async close(options: { drainMs?: number; settleMs?: number } = {}): Promise<void> {
    this.#closing = true;
    const within = (promise: Promise<unknown>, ms: number) =>
      Promise.race([promise, new Promise<void>((resolve) => this.#deps.clock.after(ms, resolve))]);
    await within(Promise.all([...this.#runs.values()].map((run) => run.done)), options.drainMs ?? 1_500);
    this.#stopLoop?.();
    await this.#resuming?.catch(() => {});
    const running = [...this.#runs.values()];
    if (running.length > 0) {
      this.#deps.logger.warn({ tasks: running.map((run) => run.task.id) }, 'stopping unfinished tasks; the next start resumes them');
    }
    for (const run of running) run.suspend(new Error('server shutting down'));
    await within(Promise.all(running.map((run) => run.done)), options.settleMs ?? 2_000);
  }

  #start(run: TaskRun): void {
    const { deps } = run;
    this.#runs.set(run.task.id, run);
    run.done = executeTask(run)
      .catch(async (error: unknown) => {
        deps.logger.error(
          { taskId: run.task.id, err: error instanceof Error ? error.stack : errorMessage(error) },
          'task execution crashed',
        );
        await settleCrashed(run, error).catch(() => {});
      })
      .finally(async () => {
        if (isTerminalPhase(run.task.phase)) this.#ended.add(run.task, run.graph);
        this.#runs.delete(run.task.id);
        await deps.store.release(run.task.id, deps.settings.ownerId).catch(() => {});
        // Budgets and memory need no ownership, so a finished task is released first.
        await taskEnded(run);
      });
  }

  async #load(taskId: string): Promise<Task> {
    return this.#runs.get(taskId)?.task ?? (this.#ended.get(taskId) ?? (await this.#stored(taskId))).task;
  }

  /** The task as stored; an ended one is kept for the next read. */
  async #stored(taskId: string): Promise<TaskWithGraph> {
    const task = await this.#deps.store.loadTask(taskId);
    if (!task) throw notFound(taskId);
    const graph = TaskGraph.from(task.steps);
    if (isTerminalPhase(task.phase)) this.#ended.add(task, graph);
    return { task, graph };
  }

  #assertOpen(): void {
    if (this.#closing) throw new OrchestrateError('SHUTTING_DOWN', 'The server is shutting down.');
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

function toStepAnswer(posted: { decision: string; actor: string; comment?: string; via?: string }): StepAnswer {
  const decision = (STEP_DECISIONS as readonly string[]).includes(posted.decision) ? (posted.decision as StepAnswer['decision']) : 'reject';
  const actor = (ACTORS as readonly string[]).includes(posted.actor) ? (posted.actor as Actor) : 'human';
  return { decision, actor, ...(posted.comment ? { comment: posted.comment } : {}), ...(posted.via ? { via: posted.via } : {}) };
}
