import type { Database, Statement } from 'better-sqlite3';
import type { Episode, EpisodeMemory } from '../engine/governance/ports.js';
import { matchQuery } from './episode-query.js';

/**
 * Episodic memory in an SQLite FTS5 table (`episodes`): one row per finished task, its request
 * and the words of its plan, failures and recoveries indexed (porter stemming, so "tests" finds
 * "test"), the episode itself kept as JSON. Beyond `maxEpisodes` the oldest are pruned.
 */
export class SqliteEpisodeMemory implements EpisodeMemory {
  readonly #record: (episode: Episode) => void;
  readonly #recall: Statement;

  constructor(db: Database, options: { maxEpisodes: number }) {
    const forget = db.prepare(`DELETE FROM episodes WHERE task_id = ?`);
    const insert = db.prepare(`INSERT INTO episodes (request, details, task_id, ended_at, body) VALUES (?, ?, ?, ?, ?)`);
    const prune = db.prepare(`DELETE FROM episodes WHERE rowid IN (SELECT rowid FROM episodes ORDER BY rowid DESC LIMIT -1 OFFSET ?)`);
    const write = db.transaction((episode: Episode) => {
      forget.run(episode.taskId);
      insert.run(episode.request, indexedText(episode), episode.taskId, episode.endedAt, JSON.stringify(episode));
      prune.run(options.maxEpisodes);
    });
    this.#record = (episode) => write.immediate(episode);
    this.#recall = db.prepare(`SELECT body FROM episodes WHERE episodes MATCH ? ORDER BY rank, rowid DESC LIMIT ?`);
  }

  async record(episode: Episode): Promise<void> {
    this.#record(episode);
  }

  async recall(request: string, limit: number): Promise<Episode[]> {
    const query = matchQuery(request);
    if (query === undefined || limit <= 0) return [];
    const rows = this.#recall.all(query, limit) as Array<{ body: string }>;
    return rows.flatMap((row) => {
      try {
        return [JSON.parse(row.body) as Episode];
      } catch {
        return [];
      }
    });
  }
}

/** The words an episode is found by besides its request: its steps, errors and what recovered it. */
function indexedText(episode: Episode): string {
  const steps = [...episode.plan, ...episode.failures, ...episode.recoveredBy];
  return [...steps.map((step) => `${step.action}: ${step.description}${step.error ? ` — ${step.error}` : ''}`), episode.note ?? '']
    .filter(Boolean)
    .join('\n');
}
