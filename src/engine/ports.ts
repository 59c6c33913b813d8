/**
 * What the engine needs from outside, as interfaces it owns: the task store, the action runner,
 * the approval gate and the clock (the client channel is in ./channel.ts). Implementations live in
 * src/store/, src/plugins/, src/approval/ and src/clock.ts; the engine imports none of them.
 *
 * Every store method is asynchronous, so a networked database (PostgreSQL, for teams on several
 * machines) can implement the same interface: no engine code relies on a synchronous,
 * same-process database.
 */
import type { ClientChannel, LogLevel } from './channel.js';
import type { Actor, AuditKind, Phase, PlanOrigin, Step, StepRun, Task, TaskMeta } from './model.js';
import type { StepBudget } from './governance/ports.js';

/** One audit entry as the engine writes it; the store adds the chain fields. */
export interface AuditRecord {
  taskId?: string;
  stepId?: string;
  ts: string;
  actor: Actor;
  kind: AuditKind;
  /** The actor's own words (a rejection's reason, an approval's comment). */
  comment?: string;
  /** Event data: the plan text, old and new plan hash, an attempt number, … */
  details?: Record<string, unknown>;
  /** Older entries say who wrote them ("orchestrator") and in words what was decided. */
  source?: string;
  request?: string;
  decision?: string;
  action?: string;
  tier?: string;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  outcome?: 'success' | 'failure' | 'cancelled' | 'timeout';
}

/** An audit entry as read back, with its place in the task's hash chain. */
export interface StoredAuditRecord extends Omit<AuditRecord, 'taskId'> {
  id: number;
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * One atomic change of a stored task: everything in it is written in one transaction. Terminal is
 * terminal in the store too: a step update applies only while the stored step has not finished,
 * a phase only while the stored task has not ended (another process may have ended it).
 */
export interface StoredChange {
  at: string;
  /** New steps (a replan), stored `pending` from this position on. */
  added?: { steps: readonly Step[]; startPosition: number };
  steps?: ReadonlyArray<readonly [string, StepRun]>;
  /** Phases entered in this order; each adds a row to the phase history. */
  phases?: readonly Phase[];
  completedAt?: string;
  meta?: TaskMeta;
  audit?: readonly AuditRecord[];
  /** Write only while this process owns the task; otherwise nothing is written and `fenced` is set. */
  owner?: string;
}

/** What a change actually wrote. */
export interface Committed {
  steps: string[];
  phases: Phase[];
  /** Nothing was written: another process owns the task now. */
  fenced?: boolean;
}

export interface TaskSummary {
  id: string;
  request: string;
  phase: Phase;
  origin?: PlanOrigin;
  createdAt: string;
  completedAt?: string;
  stepCount: number;
}

export interface TaskQuery {
  limit: number;
  offset: number;
  /** Only tasks in one of these phases. */
  phases?: readonly Phase[];
}

export interface PhaseRow {
  id: number;
  state: Phase;
  enteredAt: string;
}

/** Who runs an approved task: a process (owner id) that beats its heart while it does. */
export interface Ownership {
  id: string;
  phase: Phase;
  owner: string | null;
  heartbeatAt: string | null;
}

/** One attempt of a step: a start and, once it ended, how. */
export interface AttemptRow {
  stepId: string;
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  /** `failed` and `interrupted` attempts may be followed by another. */
  outcome: 'running' | 'completed' | 'failed' | 'interrupted' | 'cancelled' | 'skipped';
  error?: string;
}

export interface AuditTrail {
  phases: PhaseRow[];
  /** Every attempt of every step, in the order they started. */
  attempts: AttemptRow[];
  entries: StoredAuditRecord[];
  chain: { intact: boolean; entries: number; lastHash: string | null; broken?: unknown };
}

/** A person's or model's answer to a step, given in another process, waiting for the task's owner. */
export interface PostedAnswer {
  id: number;
  taskId: string;
  stepId: string;
  answer: { decision: string; actor: string; comment?: string; via?: string };
  createdAt: string;
}

/** The engine's view of its database. */
export interface TaskStore {
  /** Stores a new task with its steps, its phase history so far and its first audit entries. */
  createTask(task: Task, phases: readonly Phase[], audit: readonly AuditRecord[]): Promise<void>;
  loadTask(id: string): Promise<Task | undefined>;
  phaseOf(id: string): Promise<Phase | undefined>;
  listTasks(query: TaskQuery): Promise<{ items: TaskSummary[]; total: number }>;
  /** Ids of tasks awaiting plan approval, oldest first. */
  awaitingApproval(): Promise<string[]>;
  /**
   * Takes a task awaiting approval for `owner` and moves it to `executing`, in one conditional
   * write: of several processes approving at the same instant, exactly one gets true.
   */
  claim(taskId: string, owner: string, at: string, audit: readonly AuditRecord[]): Promise<boolean>;
  /** Takes over an unfinished task from `previous` (null: nobody), only if it still has that owner. */
  adopt(taskId: string, owner: string, previous: string | null, at: string): Promise<boolean>;
  /** Gives up a task this process ran. */
  release(taskId: string, owner: string): Promise<void>;
  heartbeat(owner: string, at: string): Promise<void>;
  /** Approved tasks that have not ended, with who runs them. */
  unfinished(): Promise<Ownership[]>;
  commit(taskId: string, change: StoredChange): Promise<Committed>;
  appendAudit(entries: readonly AuditRecord[]): Promise<void>;
  auditTrail(taskId: string): Promise<AuditTrail>;
  /** The task's audit entries of one kind, oldest first, without reading or checking the rest of its chain. */
  auditOfKind(taskId: string, kind: AuditKind): Promise<AuditTrail['entries']>;
  close(): Promise<void>;
  /** Leaves an answer to a step for whichever process runs the task. */
  postAnswer(taskId: string, stepId: string, answer: PostedAnswer['answer'], at: string): Promise<void>;
  /** The answers waiting for these tasks, oldest first. */
  postedAnswers(taskIds: readonly string[]): Promise<PostedAnswer[]>;
  dropAnswer(id: number): Promise<void>;
}

/** A step's result, as an action returns it (see `ActionResult` in the plugin API). */
export interface StepResult {
  summary: string;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  artifacts?: string[];
  data?: unknown;
  truncated?: boolean;
}

/** The client's LLM as a step sees it. */
export interface StepLlm {
  readonly available: boolean;
  complete(
    request: { system?: string; messages: Array<{ role: 'user' | 'assistant'; content: string }>; maxTokens?: number },
    options?: { signal?: AbortSignal },
  ): Promise<string>;
}

export interface StepLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The output of a completed step another step depends on. */
export interface DependencyResult {
  stepId: string;
  action: string;
  description: string;
  summary: string;
  stdout: string;
  data: unknown;
  artifacts: string[];
}

/** What the engine gives a step's action; the action runner adds the rest of the plugin's context. */
export interface StepContext {
  taskId: string;
  stepId: string;
  description: string;
  signal: AbortSignal;
  logger: StepLogger;
  llm: StepLlm;
  workdir: string;
  /** Folders commands may run in (configured paths and the client's roots); undefined allows any. */
  allowedPaths?: readonly string[];
  deps: Readonly<Record<string, DependencyResult>>;
  notify(message: string, level?: Extract<LogLevel, 'info' | 'warning' | 'error'>): Promise<boolean>;
  progress(message: string): void;
  budget: StepBudget;
  /** Which attempt this is (1, 2, …), counted across restarts. */
  attempt: number;
  /** Stable for this task and step across attempts and restarts: a key for making external calls safe to repeat. */
  idempotencyKey: string;
  /** Called as each command of the step starts its own process group. */
  onProcess?(group: ProcessGroupRef): void;
}

/** A process group a step started: the leader's pid and start time (never a reused pid). */
export interface ProcessGroupRef {
  pgid: number;
  started: string;
}

export type InputParse = { ok: true; input: Record<string, unknown> } | { ok: false; problems: string[] };

/** Runs actions: the plugin registry and the sandbox implement it. */
export interface ActionRunner {
  /** Checks a stored step's input again right before it runs, filling defaults. */
  parseInput(action: string, input: Record<string, unknown>): InputParse;
  /** How long a step of the action may run (its configured or declared timeout), in ms. */
  timeoutMs(action: string): number | undefined;
  run(action: string, input: Record<string, unknown>, context: StepContext): Promise<StepResult>;
  /** Stops what is left of process groups a stopped server's steps started; resolves how many processes it stopped. */
  reap(groups: readonly ProcessGroupRef[]): Promise<number>;
}

/** A step waiting for a human's word. */
export interface StepQuestion {
  task: Task;
  step: Step;
  timeoutMs: number;
}

/**
 * How asking a human through a form ended: approved, denied (with why), timed out, given up
 * (`aborted`: the wait ended another way), or `handover`: the form could not reach anyone and the
 * approve tool may answer for the rest of the wait.
 */
export type FormEnding =
  | { kind: 'approved' }
  | { kind: 'denied'; reason: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'handover'; message: string };

/** How asking a person through a form what to do with an interrupted step ended. */
export type ChoiceEnding =
  { kind: 'chosen'; decision: 'retry' | 'done' | 'fail'; comment?: string } | { kind: 'aborted' } | { kind: 'handover'; message: string };

/** The human side of per-step confirmations: who is asked, and how. */
export interface ApprovalGate {
  /** How a confirmation is collected through this channel now: a form, the approve tool, or not at all. */
  route(channel: ClientChannel): 'form' | 'tool' | 'unavailable';
  /** Asks the human through a form on `channel`. */
  askStep(question: StepQuestion, channel: ClientChannel, signal: AbortSignal): Promise<FormEnding>;
  /** Asks the human through a form whether an interrupted step runs again, counts as done, or fails. */
  askInterrupted(question: StepQuestion, channel: ClientChannel, signal: AbortSignal): Promise<ChoiceEnding>;
}
