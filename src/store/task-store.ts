import type { Database, Statement } from 'better-sqlite3';
import {
  TERMINAL_PHASES,
  TERMINAL_STEP_STATES,
  UNFINISHED_PHASES,
  type AuditKind,
  type Phase,
  type Step,
  type StepRun,
  type Task,
} from '../engine/model.js';
import type {
  AttemptRow,
  AuditRecord,
  PostedAnswer,
  AuditTrail,
  Committed,
  Ownership,
  PhaseRow,
  StoredChange,
  TaskQuery,
  TaskStore,
  TaskSummary,
} from '../engine/ports.js';
import type { StoredAuditEntry } from './audit-entry.js';
import { AuditLog } from './audit-log.js';
import { columnsOf, type UnchainedRow } from './audit-row.js';
import { verifyAuditChain } from './audit-verify.js';
import { fromStepRow, fromTaskRow, stepParams, type StepRow, type TaskRow } from './rows.js';

export type { AuditEntry, StoredAuditEntry } from './audit-entry.js';
export type { PhaseRow } from '../engine/ports.js';
/** A row of the task list. */
export type TaskListItem = TaskSummary;

const list = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');
const NOT_ENDED = `phase NOT IN (${list(TERMINAL_PHASES)})`;
const STEP_NOT_ENDED = `state NOT IN (${list(TERMINAL_STEP_STATES)})`;
const STEP_ENDED = `state IN (${list(TERMINAL_STEP_STATES)})`;
/** The attempt a stored step runs (or last ran), kept in its run record's JSON. */
const ATTEMPT = `COALESCE(json_extract(run_extra, '$.attempt'), 1)`;

/**
 * The task state in SQLite (better-sqlite3): every statement prepared once, every change of a task
 * in one transaction. better-sqlite3 is synchronous; the engine sees the asynchronous TaskStore
 * interface, which a networked database implements too.
 */
export class SqliteTaskStore implements TaskStore {
  readonly #db: Database;
  readonly #s: ReturnType<typeof prepare>;
  readonly #audit: AuditLog;
  /** One transaction wrapper for every write: better-sqlite3 builds four functions per `transaction()` call. */
  readonly #transaction: { immediate(fn: () => unknown): unknown };

  constructor(db: Database) {
    this.#db = db;
    this.#audit = new AuditLog(db);
    this.#s = prepare(db);
    this.#transaction = db.transaction((fn: () => unknown) => fn());
  }

  async createTask(task: Task, phases: readonly Phase[], audit: readonly AuditRecord[]): Promise<void> {
    this.#write(() => {
      this.#s.insertTask.run({
        id: task.id,
        request: task.request,
        phase: task.phase,
        planHash: task.planHash,
        origin: task.origin,
        context: JSON.stringify(task.context),
        createdAt: task.createdAt,
      });
      this.#insertSteps(task.id, task.steps, 0);
      for (const phase of phases) this.#s.insertPhase.run(task.id, phase, task.createdAt);
      for (const entry of audit) this.#audit.add(auditColumns(entry, task.id));
    });
  }

  async loadTask(id: string): Promise<Task | undefined> {
    return this.readTask(id);
  }

  /** The stored task, read synchronously (the command line reads a file no engine runs on). */
  readTask(id: string): Task | undefined {
    const row = this.#s.getTask.get(id) as TaskRow | undefined;
    if (!row) return undefined;
    return fromTaskRow(row, (this.#s.getSteps.all(id) as StepRow[]).map(fromStepRow));
  }

  async phaseOf(id: string): Promise<Phase | undefined> {
    return this.readPhase(id);
  }

  readPhase(id: string): Phase | undefined {
    return (this.#s.phaseOf.get(id) as { phase: Phase } | undefined)?.phase;
  }

  async listTasks(query: TaskQuery): Promise<{ items: TaskSummary[]; total: number }> {
    const phases = query.phases && query.phases.length > 0 ? JSON.stringify(query.phases) : null;
    const rows = this.#s.list.all(phases, phases, query.limit, query.offset) as ListRow[];
    const total = (this.#s.countTasks.get(phases, phases) as { n: number }).n;
    return { total, items: rows.map(toSummary) };
  }

  async awaitingApproval(): Promise<string[]> {
    return (this.#s.awaitingApproval.all() as Array<{ id: string }>).map((r) => r.id);
  }

  async claim(taskId: string, owner: string, at: string, audit: readonly AuditRecord[]): Promise<boolean> {
    return this.#write(() => {
      // Ownership and phase change in one conditional statement: of two approvals racing, one wins.
      if (this.#s.claim.run(owner, at, at, taskId).changes !== 1) return false;
      this.#s.insertPhase.run(taskId, 'executing', at);
      for (const entry of audit) this.#audit.add(auditColumns(entry, taskId));
      return true;
    });
  }

  async adopt(taskId: string, owner: string, previous: string | null, at: string): Promise<boolean> {
    return this.#s.adopt.run(owner, at, taskId, previous).changes === 1;
  }

  async release(taskId: string, owner: string): Promise<void> {
    this.#s.release.run(taskId, owner);
  }

  async heartbeat(owner: string, at: string): Promise<void> {
    this.#s.heartbeat.run(at, owner);
  }

  async unfinished(): Promise<Ownership[]> {
    return (this.#s.unfinished.all() as OwnerRow[]).map((r) => ({ id: r.id, phase: r.phase, owner: r.owner, heartbeatAt: r.heartbeat_at }));
  }

  async commit(taskId: string, change: StoredChange): Promise<Committed> {
    return this.#write(() => {
      if (change.owner !== undefined) {
        const row = this.#s.ownerOf.get(taskId) as { owner: string | null } | undefined;
        if (row?.owner !== change.owner) return { steps: [], phases: [], fenced: true };
      }
      if (change.added) this.#insertSteps(taskId, change.added.steps, change.added.startPosition);
      const steps: string[] = [];
      for (const [stepId, run] of change.steps ?? []) {
        this.#endAttempt(taskId, stepId, run, change.at);
        if (this.#s.updateStep.run(stepParams(taskId, stepId, run)).changes === 1) steps.push(stepId);
      }
      const phases: Phase[] = [];
      for (const phase of change.phases ?? []) {
        const completedAt = (TERMINAL_PHASES as readonly Phase[]).includes(phase) ? (change.completedAt ?? change.at) : null;
        if (this.#s.updatePhase.run(phase, completedAt, change.at, taskId).changes === 0) break;
        this.#s.insertPhase.run(taskId, phase, change.at);
        phases.push(phase);
      }
      if (change.meta) {
        const { planHash, replanAttempts, replanRequest } = change.meta;
        this.#s.updateMeta.run(planHash, replanAttempts, replanRequest ? JSON.stringify(replanRequest) : null, change.at, taskId);
      }
      for (const entry of change.audit ?? []) this.#audit.add(auditColumns(entry, taskId));
      return { steps, phases };
    });
  }

  /**
   * A step that leaves `running` for another attempt (pending: a retry, or re-run after a stop) or
   * for a person's word (interrupted) ends its attempt in a row of its own, written from the stored
   * step (which says which attempt runs and since when). The attempt that ends the step stays in the
   * step's row, which holds all of it (see the `attempts` statement), so a step that runs once writes
   * its row twice and nothing else.
   */
  #endAttempt(taskId: string, stepId: string, run: StepRun, at: string): void {
    if (run.state !== 'pending' && run.state !== 'awaiting_confirmation') return;
    // Pending with a time to retry: the attempt failed; otherwise a stop cut it short.
    const outcome = run.state === 'pending' && run.retryAt ? 'failed' : 'interrupted';
    const error = run.error ?? run.reason ?? null;
    this.#s.endAttempt.run({ taskId, stepId, finishedAt: run.finishedAt ?? at, outcome, error });
  }

  async attempts(taskId: string): Promise<AttemptRow[]> {
    return (this.#s.attempts.all({ taskId }) as Array<Record<string, string | number | null>>).map((r) => ({
      stepId: String(r.step_id),
      attempt: Number(r.attempt),
      startedAt: String(r.started_at),
      ...(r.finished_at !== null ? { finishedAt: String(r.finished_at) } : {}),
      outcome: String(r.outcome) as AttemptRow['outcome'],
      ...(r.error !== null ? { error: String(r.error) } : {}),
    }));
  }

  async postAnswer(taskId: string, stepId: string, answer: PostedAnswer['answer'], at: string): Promise<void> {
    this.#write(() => this.#s.postAnswer.run(taskId, stepId, JSON.stringify(answer), at));
  }

  async postedAnswers(taskIds: readonly string[]): Promise<PostedAnswer[]> {
    if (taskIds.length === 0) return [];
    const rows = this.#s.postedAnswers.all(JSON.stringify(taskIds)) as Array<{
      id: number;
      task_id: string;
      step_id: string;
      answer: string;
      created_at: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      taskId: r.task_id,
      stepId: r.step_id,
      answer: JSON.parse(r.answer) as PostedAnswer['answer'],
      createdAt: r.created_at,
    }));
  }

  async dropAnswer(id: number): Promise<void> {
    this.#write(() => this.#s.dropAnswer.run(id));
  }

  async appendAudit(entries: readonly AuditRecord[]): Promise<void> {
    this.#write(() => {
      for (const entry of entries) this.#audit.add(auditColumns(entry, entry.taskId));
    });
  }

  async auditTrail(taskId: string): Promise<AuditTrail> {
    const entries = this.#audit.entries(taskId).map(asTrailEntry);
    const { ok, problems } = verifyAuditChain(this.#db, taskId);
    return {
      phases: this.phaseHistory(taskId),
      attempts: await this.attempts(taskId),
      entries,
      chain: {
        intact: ok,
        entries: entries.length,
        lastHash: entries.at(-1)?.hash ?? null,
        ...(problems[0] ? { broken: problems[0] } : {}),
      },
    };
  }

  async auditOfKind(taskId: string, kind: AuditKind): Promise<AuditTrail['entries']> {
    return this.#audit.entries(taskId, kind).map(asTrailEntry);
  }

  phaseHistory(taskId: string): PhaseRow[] {
    return (this.#s.phases.all(taskId) as Array<{ id: number; state: Phase; entered_at: string }>).map((r) => ({
      id: r.id,
      state: r.state,
      enteredAt: r.entered_at,
    }));
  }

  /** The task's audit log as stored entries, oldest first. */
  auditEntries(taskId: string): StoredAuditEntry[] {
    return this.#audit.entries(taskId);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #insertSteps(taskId: string, steps: readonly Step[], startPosition: number): void {
    steps.forEach((step, index) => {
      this.#s.insertStep.run({
        taskId,
        id: step.id,
        position: startPosition + index,
        action: step.action,
        description: step.description,
        dependsOn: JSON.stringify(step.dependsOn),
        tier: step.tier,
        input: JSON.stringify(step.input),
        estimatedTokens: step.estimatedTokens,
        commands: step.commands ? JSON.stringify(step.commands) : null,
        tierReasons: step.tierReasons ? JSON.stringify(step.tierReasons) : null,
        stepExtra:
          step.effects !== undefined || step.retry !== undefined
            ? JSON.stringify({ ...(step.effects ? { effects: step.effects } : {}), ...(step.retry ? { retry: step.retry } : {}) })
            : null,
        state: 'pending',
      });
    });
  }

  #write<T>(fn: () => T): T {
    return this.#transaction.immediate(fn) as T;
  }
}

function prepare(db: Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insertTask: p(`INSERT INTO tasks (id, request, phase, plan_hash, origin, context, created_at, updated_at,
      replan_attempts) VALUES (@id, @request, @phase, @planHash, @origin, @context, @createdAt, @createdAt, 0)`),
    insertStep: p(`INSERT INTO steps (task_id, id, position, action, description, depends_on, tier, input,
      estimated_tokens, commands, tier_reasons, step_extra, state) VALUES (@taskId, @id, @position, @action, @description,
      @dependsOn, @tier, @input, @estimatedTokens, @commands, @tierReasons, @stepExtra, @state)`),
    insertPhase: p(`INSERT INTO task_states (task_id, state, entered_at) VALUES (?, ?, ?)`),
    // Terminal is terminal in the file too: another server process may have ended the task.
    updatePhase: p(`UPDATE tasks SET phase = ?, completed_at = ?, updated_at = ? WHERE id = ? AND ${NOT_ENDED}`),
    phaseOf: p(`SELECT phase FROM tasks WHERE id = ?`),
    updateStep: p(`UPDATE steps SET state = @state, started_at = @startedAt, finished_at = @finishedAt,
      summary = @summary, error = @error, reason = @reason, nonce = @nonce, outputs = @outputs, run_extra = @extra
      WHERE task_id = @taskId AND id = @id AND ${STEP_NOT_ENDED}`),
    endAttempt: p(`INSERT INTO step_attempts (task_id, step_id, attempt, started_at, finished_at, outcome, error)
      SELECT task_id, id, ${ATTEMPT}, COALESCE(started_at, @finishedAt), @finishedAt, @outcome, @error
      FROM steps WHERE task_id = @taskId AND id = @stepId AND state = 'running'
      ON CONFLICT (task_id, step_id, attempt) DO UPDATE SET started_at = excluded.started_at, finished_at = excluded.finished_at,
        outcome = excluded.outcome, error = excluded.error`),
    // Attempts followed by another are rows; the one in flight is read from its running step, and the
    // one that ended the step from its ended step unless a row has it (written by an older version, or
    // an interrupted attempt a person then counted as done or failed). A row an older version opened
    // stays out until it ends.
    attempts: p(`SELECT step_id, attempt, started_at, finished_at, outcome, error FROM step_attempts
      WHERE task_id = @taskId AND finished_at IS NOT NULL
      UNION ALL SELECT id, ${ATTEMPT}, COALESCE(started_at, ''), NULL, 'running', NULL FROM steps WHERE task_id = @taskId AND state = 'running'
      UNION ALL SELECT s.id, ${ATTEMPT}, s.started_at, COALESCE(s.finished_at, s.started_at), s.state,
        CASE WHEN s.state = 'completed' THEN NULL ELSE COALESCE(s.error, s.reason) END
      FROM steps s WHERE s.task_id = @taskId AND s.started_at IS NOT NULL AND s.${STEP_ENDED}
        AND NOT EXISTS (SELECT 1 FROM step_attempts a WHERE a.task_id = s.task_id AND a.step_id = s.id
          AND a.attempt = ${ATTEMPT} AND a.finished_at IS NOT NULL)
      ORDER BY started_at, step_id, attempt`),
    postAnswer: p(`INSERT INTO step_answers (task_id, step_id, answer, created_at) VALUES (?, ?, ?, ?)`),
    postedAnswers: p(`SELECT * FROM step_answers WHERE task_id IN (SELECT value FROM json_each(?)) ORDER BY id`),
    dropAnswer: p(`DELETE FROM step_answers WHERE id = ?`),
    updateMeta: p(`UPDATE tasks SET plan_hash = ?, replan_attempts = ?, replan_request = ?, updated_at = ? WHERE id = ?`),
    claim: p(`UPDATE tasks SET phase = 'executing', owner = ?, heartbeat_at = ?, updated_at = ?
      WHERE id = ? AND phase = 'awaiting_approval'`),
    adopt: p(`UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ? AND owner IS ? AND phase IN (${list(UNFINISHED_PHASES)})`),
    release: p(`UPDATE tasks SET owner = NULL, heartbeat_at = NULL WHERE id = ? AND owner = ?`),
    heartbeat: p(`UPDATE tasks SET heartbeat_at = ? WHERE owner = ?`),
    getTask: p(`SELECT * FROM tasks WHERE id = ?`),
    ownerOf: p(`SELECT owner FROM tasks WHERE id = ?`),
    getSteps: p(`SELECT * FROM steps WHERE task_id = ? ORDER BY position`),
    list: p(`SELECT t.id, t.request, t.phase, t.origin, t.created_at, t.completed_at,
      (SELECT COUNT(*) FROM steps s WHERE s.task_id = t.id) AS step_count
      FROM tasks t WHERE (? IS NULL OR t.phase IN (SELECT value FROM json_each(?)))
      ORDER BY t.seq DESC LIMIT ? OFFSET ?`),
    countTasks: p(`SELECT COUNT(*) AS n FROM tasks WHERE (? IS NULL OR phase IN (SELECT value FROM json_each(?)))`),
    awaitingApproval: p(`SELECT id FROM tasks WHERE phase = 'awaiting_approval' ORDER BY seq`),
    unfinished: p(`SELECT id, phase, owner, heartbeat_at FROM tasks WHERE phase IN (${list(UNFINISHED_PHASES)}) ORDER BY seq`),
    phases: p(`SELECT id, state, entered_at FROM task_states WHERE task_id = ? ORDER BY id`),
  };
}

interface ListRow {
  id: string;
  request: string;
  phase: Phase;
  origin: TaskSummary['origin'];
  created_at: string;
  completed_at: string | null;
  step_count: number;
}

interface OwnerRow {
  id: string;
  phase: Phase;
  owner: string | null;
  heartbeat_at: string | null;
}

function toSummary(r: ListRow): TaskSummary {
  return {
    id: r.id,
    request: r.request,
    phase: r.phase,
    createdAt: r.created_at,
    ...(r.completed_at ? { completedAt: r.completed_at } : {}),
    stepCount: r.step_count,
  };
}

/** The engine's records are typed by the port, so they skip the schema check raw entries get. */
function auditColumns(record: AuditRecord, taskId: string | undefined): UnchainedRow {
  const { taskId: _own, ...rest } = record;
  return columnsOf(taskId === undefined ? rest : { taskId, ...rest });
}

/** A stored entry as a trail lists it: the task and chain are the trail's own. */
function asTrailEntry({ taskId: _task, chain: _chain, ...entry }: StoredAuditEntry): AuditTrail['entries'][number] {
  return entry as AuditTrail['entries'][number];
}
