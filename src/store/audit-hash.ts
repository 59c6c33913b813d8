import { sha256Hex } from '../hash.js';
import { canonicalJson } from './canonical-json.js';

/** The `prev_hash` of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The columns an entry's hash covers: every stored column but the row id and the hash itself. The
 * list is fixed here (not read from the table) so that a later column does not change the hashes of
 * entries written before it; a test checks it still names every column.
 */
export const HASHED_COLUMNS = [
  'chain',
  'seq',
  'task_id',
  'step_id',
  'ts',
  'actor',
  'kind',
  'source',
  'request',
  'decision',
  'action',
  'tier',
  'stdout',
  'stderr',
  'exit_code',
  'outcome',
  'comment',
  'details',
  'prev_hash',
] as const;

export type HashedColumn = (typeof HASHED_COLUMNS)[number];

/** In the order canonical JSON writes keys (UTF-16 code units, as `sort()` compares). */
const SORTED_COLUMNS: readonly HashedColumn[] = [...HASHED_COLUMNS].sort();
/** What canonical JSON writes before each column's value: `{"action":`, `,"chain":`, … */
const KEYS = SORTED_COLUMNS.map((column, index) => `${index === 0 ? '{' : ','}${JSON.stringify(column)}:`);

/**
 * SHA-256 (hex) of the canonical JSON of the entry's hashed columns, under their column names, with
 * SQL NULL as JSON null. Values are hashed as stored, so the `details` text is covered byte for byte.
 * Throws when a column holds something SQLite text and numbers cannot be (a blob written over one).
 */
export function entryHash(row: { readonly [K in HashedColumn]?: unknown }): string {
  // The canonical JSON of { column: value } written out directly: the keys are known and sorted once.
  const parts = SORTED_COLUMNS.map((column, index) => `${KEYS[index] ?? ''}${canonicalJson(row[column] ?? null)}`);
  return sha256Hex(`${parts.join('')}}`);
}
