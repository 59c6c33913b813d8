import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage, isOrchestrateError } from '../errors.js';
import { openReadOnly, type DatabaseStats } from './database.js';
import { fail, ok, warn, type Check } from './doctor-check.js';
import { formatBytes } from './format.js';

/** The state database: where it is, whether it opens, its schema, journal, size, and tasks that need attention. */
export function databaseChecks(path: string, now: Date): Check[] {
  if (path === ':memory:') return [ok('database', ':memory: — nothing is kept once the server stops')];
  if (!existsSync(path)) return [missingDatabase(path)];
  let stats: DatabaseStats;
  try {
    const database = openReadOnly(path);
    try {
      stats = database.stats(now);
    } finally {
      database.close();
    }
  } catch (error) {
    const fix = isOrchestrateError(error)
      ? error.hint
      : 'Check that the file is the SQLite database the server writes (--db / ORCHESTRATE_DB).';
    return [fail('database', `${path} cannot be read: ${errorMessage(error)}`, fix)];
  }
  return [
    ok('database', `${path} opens: schema ${stats.schemaVersion}, ${formatBytes(stats.bytes)}`),
    stats.journalMode.toLowerCase() === 'wal'
      ? ok('journal', 'WAL: readers (this CLI) never block the server')
      : warn('journal', `journal mode ${stats.journalMode}, not WAL`, 'Start the server on it once; it switches the file to WAL.'),
    tasksCheck(stats),
    stats.staleTasks.length === 0
      ? ok('stale tasks', 'none: every executing task has a live server')
      : warn(
          'stale tasks',
          `${stats.staleTasks.length} task(s) executing with no live server: ${stats.staleTasks.join(', ')}`,
          'Start the server on this database: it settles them as failed (interrupted steps are not re-run); then plan them again.',
        ),
  ];
}

function missingDatabase(path: string): Check {
  const dir = nearestExisting(dirname(path));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return fail('database', `${path} does not exist and ${dir} is not writable`, 'Pass --db with a path in a folder you can write to.');
  }
  return warn('database', `${path} does not exist yet`, 'Nothing to do if this is a first run: the server creates it when it starts.');
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function tasksCheck(stats: DatabaseStats): Check {
  const entries = Object.entries(stats.tasksByPhase);
  const total = entries.reduce((sum, [, n]) => sum + (n ?? 0), 0);
  if (total === 0) return ok('tasks', 'no tasks yet');
  return ok('tasks', `${total}: ${entries.map(([phase, n]) => `${n} ${phase}`).join(', ')}`);
}
