import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';

/**
 * The physical floor the engine is compared with: per step, three transactions
 * (pending→running→completed), each updating a row and appending a history row.
 * Returns µs per step.
 */
export function sqliteFloor(path: string, steps: number): number {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE steps (id INTEGER PRIMARY KEY, state TEXT NOT NULL);
      CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL);`);
    const insert = db.prepare('INSERT INTO steps (id, state) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < steps; i += 1) insert.run(i, 'pending');
    })();
    const update = db.prepare('UPDATE steps SET state = ? WHERE id = ?');
    const append = db.prepare('INSERT INTO history (step, state, at) VALUES (?, ?, ?)');
    const move = db.transaction((id: number, state: string) => {
      update.run(state, id);
      append.run(id, state, new Date().toISOString());
    });
    const started = performance.now();
    for (let i = 0; i < steps; i += 1) {
      move(i, 'running');
      move(i, 'completed');
      move(i, 'reported');
    }
    return ((performance.now() - started) * 1000) / steps;
  } finally {
    db.close();
  }
}
