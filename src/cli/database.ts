/**
 * The command line's one door into the task database: opened read-only beside a running server,
 * tasks listed, one task loaded as the TaskView the `status` tool shows. Everything the CLI knows
 * about the store and the engine is in this file, so it is the one place to re-point when they move;
 * the few reads the store does not offer (by phase, steps counted by state, id prefixes) are here too.
 */
import { existsSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { TaskGraph } from '../engine/graph.js';
import { PHASES, UNFINISHED_PHASES, type Phase, type StepStateName } from '../engine/model.js';
import { isStaleOwner } from '../engine/run/recovery.js';
import { toTaskView, type TaskView } from '../engine/views/view.js';
import { OrchestrateError } from '../errors.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { SqliteTaskStore } from '../store/task-store.js';

export { PHASES, type Phase } from '../engine/model.js';
export type { TaskView } from '../engine/views/view.js';

/** A server holding a write lock makes readers wait this long before they give up. */
const BUSY_TIMEOUT_MS = 5_000;
/** Ids are shown this short when that is unique, and `show` accepts prefixes from this length. */
export const SHORT_ID_LENGTH = 8;

export interface TaskListEntry {
  id: string;
  /** The shortest prefix of the id, at least {@link SHORT_ID_LENGTH} long, that names only this task. */
  shortId: string;
  request: string;
  phase: Phase;
  createdAt: string;
  completedAt?: string;
  steps: Record<StepStateName, number> & { total: number };
}

/** A task as `show` prints it: the TaskView (uncapped, every step) and where its steps ran. */
export interface TaskDetail {
  view: TaskView;
  workdir?: string;
}

export interface DatabaseStats {
  schemaVersion: number;
  journalMode: string;
  /** The database file with its write-ahead log, in bytes. */
  bytes: number;
  tasksByPhase: Partial<Record<Phase, number>>;
  /** Tasks in an executing phase whose server is gone; the next server start settles them. */
  staleTasks: string[];
}

/** The schema version of a database file, without changing it. */
export function schemaVersionOf(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Opens the database for reading only. Refuses a missing file (nothing to read; opening would
 * create it) and a schema this build does not know, with coded errors.
 */
export function openReadOnly(path: string): TaskDatabase {
  assertDatabaseFile(path);
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    checkSchema(path, schemaVersionOf(db));
    return new TaskDatabase(path, db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Refuses a database file that does not exist (opening it would create one) with DATABASE_NOT_FOUND. */
export function assertDatabaseFile(path: string): void {
  if (path === ':memory:' || !existsSync(path)) {
    throw new OrchestrateError('DATABASE_NOT_FOUND', `No state database at ${path}.`, {
      details: { path },
      hint: 'Pass --db PATH (or set ORCHESTRATE_DB) to the file the server uses; a server creates it when it first starts.',
    });
  }
}

export function checkSchema(path: string, version: number): void {
  if (version === SCHEMA_VERSION) return;
  const newer = version > SCHEMA_VERSION;
  const message = newer
    ? `${path} was written by a newer orchestrate-mcp (schema ${version}; this build reads schema ${SCHEMA_VERSION}).`
    : version === 0
      ? `${path} is not an orchestrate-mcp database (it has no schema).`
      : `${path} has schema ${version}, older than this build's ${SCHEMA_VERSION}.`;
  const hint = newer
    ? 'Use the orchestrate-mcp version that wrote it (or a newer one).'
    : 'Start the server of this version on it once; it upgrades the schema when it opens the file.';
  throw new OrchestrateError('DATABASE_SCHEMA_MISMATCH', message, { details: { path, version, expected: SCHEMA_VERSION }, hint });
}

export class TaskDatabase {
  readonly path: string;
  readonly #db: Database;
  readonly #store: SqliteTaskStore;

  constructor(path: string, db: Database) {
    this.path = path;
    this.#db = db;
    this.#store = new SqliteTaskStore(db);
  }

  /** Newest first, optionally in one phase, with each task's steps counted by state. */
  listTasks(filter: { phase?: Phase; limit: number }): TaskListEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT id, request, phase, created_at, completed_at FROM tasks
         WHERE (@phase IS NULL OR phase = @phase) ORDER BY seq DESC LIMIT @limit`,
      )
      .all({ phase: filter.phase ?? null, limit: filter.limit }) as Array<{
      id: string;
      request: string;
      phase: Phase;
      created_at: string;
      completed_at: string | null;
    }>;
    const counts = this.#db.prepare(`SELECT state, COUNT(*) AS n FROM steps WHERE task_id = ? GROUP BY state`);
    return rows.map((row) => ({
      id: row.id,
      shortId: this.#shortId(row.id),
      request: row.request,
      phase: row.phase,
      createdAt: row.created_at,
      ...(row.completed_at ? { completedAt: row.completed_at } : {}),
      steps: stepCounts(counts.all(row.id) as Array<{ state: StepStateName; n: number }>),
    }));
  }

  /** One task by its id or a unique prefix of it ({@link SHORT_ID_LENGTH}+ characters). */
  loadTask(idOrPrefix: string): TaskDetail {
    const task = this.#store.readTask(this.resolveId(idOrPrefix));
    if (!task) throw notFound(idOrPrefix);
    const view = toTaskView(task, TaskGraph.from(task.steps), { full: true });
    return { view, ...(task.context.workdir ? { workdir: task.context.workdir } : {}) };
  }

  stats(now: Date): DatabaseStats {
    const byPhase = this.#db.prepare(`SELECT phase, COUNT(*) AS n FROM tasks GROUP BY phase`).all() as Array<{ phase: Phase; n: number }>;
    const order = (phase: Phase): number => PHASES.indexOf(phase);
    return {
      schemaVersion: schemaVersionOf(this.#db),
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      bytes: fileSize(this.path) + fileSize(`${this.path}-wal`),
      tasksByPhase: Object.fromEntries(byPhase.sort((a, b) => order(a.phase) - order(b.phase)).map((r) => [r.phase, r.n])),
      staleTasks: (
        this.#db
          .prepare(
            `SELECT id, owner, heartbeat_at AS heartbeatAt FROM tasks WHERE phase IN (${UNFINISHED_PHASES.map((p) => `'${p}'`).join(', ')})`,
          )
          .all() as Array<{ id: string; owner: string | null; heartbeatAt: string | null }>
      )
        .filter((row) => isStaleOwner(row, now))
        .map((row) => row.id),
    };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** The full id of a task named by its id or a unique prefix ({@link SHORT_ID_LENGTH}+ characters). */
  resolveId(idOrPrefix: string): string {
    if (this.#store.readPhase(idOrPrefix) !== undefined) return idOrPrefix;
    if (idOrPrefix.length < SHORT_ID_LENGTH) throw notFound(idOrPrefix);
    const matches = this.#withPrefix(idOrPrefix, 6);
    if (matches.length === 1) return matches[0] as string;
    if (matches.length === 0) throw notFound(idOrPrefix);
    throw new OrchestrateError(
      'AMBIGUOUS_TASK',
      `${matches.length > 5 ? 'More than 5' : matches.length} tasks start with "${idOrPrefix}".`,
      {
        details: { prefix: idOrPrefix, matches: matches.slice(0, 5) },
        hint: `Give more of the id: ${matches.slice(0, 5).join(', ')}.`,
      },
    );
  }

  /** Ids starting with `prefix`, by an index range scan (no LIKE or GLOB, so no character is special). */
  #withPrefix(prefix: string, limit: number): string[] {
    const rows = this.#db
      .prepare(`SELECT id FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`)
      .all(prefix, `${prefix}\uffff`, limit);
    return (rows as Array<{ id: string }>).map((row) => row.id).filter((id) => id.startsWith(prefix));
  }

  #shortId(id: string): string {
    for (let length = SHORT_ID_LENGTH; length < id.length; length += 1) {
      if (this.#withPrefix(id.slice(0, length), 2).length === 1) return id.slice(0, length);
    }
    return id;
  }
}

function notFound(idOrPrefix: string): OrchestrateError {
  const short = idOrPrefix.length < SHORT_ID_LENGTH ? ` (a prefix needs at least ${SHORT_ID_LENGTH} characters)` : '';
  return new OrchestrateError('TASK_NOT_FOUND', `No task with id "${idOrPrefix}"${short}.`, {
    details: { taskId: idOrPrefix },
    hint: 'List the tasks with `orchestrate-mcp tasks`.',
  });
}

function stepCounts(rows: ReadonlyArray<{ state: StepStateName; n: number }>): TaskListEntry['steps'] {
  const counts = { pending: 0, running: 0, awaiting_confirmation: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0, total: 0 };
  for (const { state, n } of rows) {
    counts[state] += n;
    counts.total += n;
  }
  return counts;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
