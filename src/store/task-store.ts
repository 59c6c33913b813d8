import type { Database, Statement } from 'better-sqlite3';
import type { Phase, ReplanRequest, Step, StepRun, Task } from '../engine/model.js';
import type { AuditEntry, StoredAuditEntry } from './audit-entry.js';
import { AuditLog } from './audit-log.js';
import { verifyAuditChain, type AuditVerification } from './audit-verify.js';
import { fromStepRow, fromTaskRow, type StepRow, type TaskRow } from './rows.js';

export type { AuditEntry, StoredAuditEntry } from './audit-entry.js';

export interface TaskListItem {
  id: string;
  request: string;
  phase: Phase;
  createdAt: string;
  completedAt?: string;
  stepCount: number;
}

export interface PhaseRow {
  id: number;
  state: Phase;
  enteredAt: string;
}

/** Every SQL statement of the task state lives here, prepared once. */
export class TaskStore {
  readonly #db: Database;
  readonly #s: Record<string, Statement>;
  readonly #audit: AuditLog;

  constructor(db: Database) {
    this.#db = db;
    this.#audit = new AuditLog(db);
    const p = (sql: string): Statement => db.prepare(sql);
    this.#s = {
      insertTask: p(`INSERT INTO tasks (id, request, phase, plan_hash, origin, context, created_at, updated_at,
        replan_attempts) VALUES (@id, @request, @phase, @planHash, @origin, @context, @createdAt, @createdAt, 0)`),
      insertStep: p(`INSERT INTO steps (task_id, id, position, action, description, depends_on, tier, input,
        estimated_tokens, commands, tier_reasons, state) VALUES (@taskId, @id, @position, @action, @description, @dependsOn,
        @tier, @input, @estimatedTokens, @commands, @tierReasons, @state)`),
      insertPhase: p(`INSERT INTO task_states (task_id, state, entered_at) VALUES (?, ?, ?)`),
      // Terminal is terminal in the file too: another server process may have ended the task.
      updatePhase: p(`UPDATE tasks SET phase = ?, completed_at = ?, updated_at = ?
        WHERE id = ? AND phase NOT IN ('completed', 'failed', 'cancelled')`),
      phaseOf: p(`SELECT phase FROM tasks WHERE id = ?`),
      updateStep: p(`UPDATE steps SET state = @state, started_at = @startedAt, finished_at = @finishedAt,
        summary = @summary, error = @error, reason = @reason, nonce = @nonce, outputs = @outputs
        WHERE task_id = @taskId AND id = @id AND state NOT IN ('completed', 'failed', 'skipped', 'cancelled')`),
      updateMeta: p(`UPDATE tasks SET plan_hash = ?, replan_attempts = ?, replan_request = ?, updated_at = ?
        WHERE id = ?`),
      claim: p(`UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ? AND phase = 'awaiting_approval'`),
      setOwner: p(`UPDATE tasks SET owner = ?, heartbeat_at = ? WHERE id = ?`),
      heartbeat: p(`UPDATE tasks SET heartbeat_at = ? WHERE owner = ?`),
      getTask: p(`SELECT * FROM tasks WHERE id = ?`),
      getSteps: p(`SELECT * FROM steps WHERE task_id = ? ORDER BY position`),
      list: p(`SELECT t.id, t.request, t.phase, t.created_at, t.completed_at,
        (SELECT COUNT(*) FROM steps s WHERE s.task_id = t.id) AS step_count
        FROM tasks t ORDER BY t.seq DESC LIMIT ? OFFSET ?`),
      countTasks: p(`SELECT COUNT(*) AS n FROM tasks`),
      awaitingApproval: p(`SELECT id FROM tasks WHERE phase = 'awaiting_approval' ORDER BY seq`),
      unfinished: p(`SELECT id, owner, heartbeat_at FROM tasks
        WHERE phase IN ('executing', 'awaiting_replan', 'reconciling')`),
      phases: p(`SELECT id, state, entered_at FROM task_states WHERE task_id = ? ORDER BY id`),
    };
  }

  /** Stores a new task with its steps and its first phase rows, all or nothing. */
  createTask(task: Task, phases: readonly Phase[], at: string): void {
    this.#db.transaction(() => {
      this.#s.insertTask!.run({
        id: task.id,
        request: task.request,
        phase: task.phase,
        planHash: task.planHash,
        origin: task.origin,
        context: JSON.stringify(task.context),
        createdAt: task.createdAt,
      });
      this.#insertSteps(task.id, task.steps, 0, task.runs);
      for (const phase of phases) this.#s.insertPhase!.run(task.id, phase, at);
    })();
  }

  addSteps(task: Task, steps: readonly Step[], startPosition: number, at: string): void {
    this.#db.transaction(() => {
      this.#insertSteps(task.id, steps, startPosition, task.runs);
      this.#updateMeta(task, at);
    })();
  }

  #insertSteps(taskId: string, steps: readonly Step[], startPosition: number, runs: Map<string, StepRun>): void {
    steps.forEach((step, index) => {
      this.#s.insertStep!.run({
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
        state: runs.get(step.id)?.state ?? 'pending',
      });
    });
  }

  /** Moves the stored task to `phase` and appends its history row; false when it had already ended. */
  recordPhase(taskId: string, phase: Phase, completedAt: string | undefined, at: string): boolean {
    return this.#db.transaction(() => {
      if (this.#s.updatePhase!.run(phase, completedAt ?? null, at, taskId).changes === 0) return false;
      this.#s.insertPhase!.run(taskId, phase, at);
      return true;
    })();
  }

  phaseOf(taskId: string): Phase | undefined {
    return (this.#s.phaseOf!.get(taskId) as { phase: Phase } | undefined)?.phase;
  }

  /** Writes a step's run record; false when the stored step had already finished. */
  updateStep(taskId: string, stepId: string, run: StepRun): boolean {
    return this.#s.updateStep!.run(stepParams(taskId, stepId, run)).changes === 1;
  }

  /** Several step changes in one transaction (cancel, skip); returns the ids written. */
  updateSteps(taskId: string, changes: ReadonlyArray<readonly [string, StepRun]>): string[] {
    if (changes.length === 0) return [];
    return this.#db.transaction(() =>
      changes.filter(([stepId, run]) => this.#s.updateStep!.run(stepParams(taskId, stepId, run)).changes === 1).map(([id]) => id),
    )();
  }

  updateMeta(task: Task, at: string): void {
    this.#updateMeta(task, at);
  }

  #updateMeta(task: Task, at: string): void {
    const replan: ReplanRequest | undefined = task.replanRequest;
    this.#s.updateMeta!.run(task.planHash, task.replanAttempts, replan ? JSON.stringify(replan) : null, at, task.id);
  }

  /** Takes a task awaiting approval for this process; false when another got there first. */
  claim(taskId: string, owner: string, at: string): boolean {
    return this.#s.claim!.run(owner, at, taskId).changes === 1;
  }

  setOwner(taskId: string, owner: string | null, at: string): void {
    this.#s.setOwner!.run(owner, owner === null ? null : at, taskId);
  }

  heartbeat(owner: string, at: string): void {
    this.#s.heartbeat!.run(at, owner);
  }

  loadTask(id: string): Task | undefined {
    const row = this.#s.getTask!.get(id) as TaskRow | undefined;
    if (!row) return undefined;
    const stepRows = this.#s.getSteps!.all(id) as StepRow[];
    return fromTaskRow(row, stepRows.map(fromStepRow));
  }

  listTasks(limit: number, offset: number): { items: TaskListItem[]; total: number } {
    const rows = this.#s.list!.all(limit, offset) as Array<{
      id: string;
      request: string;
      phase: Phase;
      created_at: string;
      completed_at: string | null;
      step_count: number;
    }>;
    const total = (this.#s.countTasks!.get() as { n: number }).n;
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        request: r.request,
        phase: r.phase,
        createdAt: r.created_at,
        ...(r.completed_at ? { completedAt: r.completed_at } : {}),
        stepCount: r.step_count,
      })),
    };
  }

  awaitingApproval(): string[] {
    return (this.#s.awaitingApproval!.all() as Array<{ id: string }>).map((r) => r.id);
  }

  unfinished(): Array<{ id: string; owner: string | null; heartbeatAt: string | null }> {
    return (this.#s.unfinished!.all() as Array<{ id: string; owner: string | null; heartbeat_at: string | null }>).map((r) => ({
      id: r.id,
      owner: r.owner,
      heartbeatAt: r.heartbeat_at,
    }));
  }

  phaseHistory(taskId: string): PhaseRow[] {
    return (this.#s.phases!.all(taskId) as Array<{ id: number; state: Phase; entered_at: string }>).map((r) => ({
      id: r.id,
      state: r.state,
      enteredAt: r.entered_at,
    }));
  }

  /**
   * Appends an entry to its chain (the task's, or "system"); the older entry shape, with a
   * `decision` text and no `kind`, is still taken. Throws INVALID_ARGUMENT for an entry that names
   * no kind.
   */
  appendAudit(entry: AuditEntry): StoredAuditEntry {
    return this.#audit.append(entry);
  }

  audit(taskId: string): Array<Record<string, unknown>> {
    return this.#audit.rows(taskId) as unknown as Array<Record<string, unknown>>;
  }

  /** The task's audit log as domain entries, oldest first. */
  auditEntries(taskId: string): StoredAuditEntry[] {
    return this.#audit.entries(taskId);
  }

  /** Whether the task's audit chain is intact (see verifyAudit for the whole log). */
  verifyAuditChain(taskId: string): AuditVerification {
    return verifyAuditChain(this.#db, taskId);
  }

  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function stepParams(taskId: string, stepId: string, run: StepRun): Record<string, unknown> {
  return {
    taskId,
    id: stepId,
    state: run.state,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    summary: run.summary ?? null,
    error: run.error ?? null,
    reason: run.reason ?? null,
    nonce: run.nonce ?? null,
    outputs: run.outputs ? JSON.stringify(run.outputs) : null,
  };
}
