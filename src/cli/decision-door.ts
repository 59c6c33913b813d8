/**
 * The command line's door for decisions (`approve`, `cancel`): the database opened for writing
 * beside whatever server runs on it, and the engine's decisions for a process that runs no task.
 * A decision is stored; the server that runs the task (or adopts it) acts on it within seconds.
 */
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { systemClock } from '../clock.js';
import { StoredDecisions } from '../engine/decisions.js';
import type { Phase, Task } from '../engine/model.js';
import { ownerId } from '../engine/run/recovery.js';
import { Writer } from '../engine/run/writer.js';
import { SqliteTaskStore } from '../store/task-store.js';
import { assertDatabaseFile, checkSchema, schemaVersionOf, TaskDatabase } from './database.js';

/** How long a decision waits for a server to act on it before saying none has yet (a server looks every 1–2 s). */
const PICKUP_WAIT_MS = 3_500;
const POLL_MS = 100;

export interface DecisionDoor {
  /** Ids and prefixes resolved as `show` resolves them. */
  resolveId(idOrPrefix: string): string;
  decisions: StoredDecisions;
  load(taskId: string): Promise<Task>;
  phaseOf(taskId: string): Phase;
  /** The process running the task now, if any. */
  ownerOf(taskId: string): string | null;
  /** Polls `ready` until it holds or {@link PICKUP_WAIT_MS} pass; true when it held. */
  waitFor(ready: () => boolean | Promise<boolean>): Promise<boolean>;
  close(): void;
}

export function openForDecisions(path: string): DecisionDoor {
  assertDatabaseFile(path);
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    checkSchema(path, schemaVersionOf(db));
  } catch (error) {
    db.close();
    throw error;
  }
  const store = new SqliteTaskStore(db);
  const writer = new Writer(store, systemClock, pino({ level: 'silent' }));
  const decisions = new StoredDecisions({ store, writer }, ownerId(`cli-${randomUUID().slice(0, 8)}`));
  const database = new TaskDatabase(path, db);
  const row = db.prepare<[string], { owner: string | null; phase: Phase }>('SELECT owner, phase FROM tasks WHERE id = ?');
  return {
    resolveId: (idOrPrefix) => database.resolveId(idOrPrefix),
    decisions,
    load: (taskId) => decisions.load(taskId),
    ownerOf: (taskId) => row.get(taskId)?.owner ?? null,
    phaseOf: (taskId) => row.get(taskId)?.phase ?? 'planning',
    async waitFor(ready) {
      const deadline = Date.now() + PICKUP_WAIT_MS;
      for (;;) {
        if (await ready()) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    close() {
      if (db.open) db.close();
    },
  };
}
