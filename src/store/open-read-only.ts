import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { errorMessage } from '../errors.js';
import { SCHEMA_VERSION } from './migrations.js';

export type ReadOnlyOpen =
  | { ok: true; db: Database; schema: number }
  | { ok: false; code: 'DATABASE_NOT_FOUND' | 'DATABASE_UNREADABLE' | 'SCHEMA_UNSUPPORTED'; message: string };

/**
 * Opens an existing state database for reading only: nothing is created or migrated, and a server
 * using the file meanwhile is not disturbed (WAL readers do not block its writes). `minSchema` is
 * the oldest schema the reader understands; a file at a newer schema than this build knows is refused.
 */
export function openReadOnly(path: string, minSchema: number): ReadOnlyOpen {
  if (path === ':memory:' || !existsSync(path)) {
    return { ok: false, code: 'DATABASE_NOT_FOUND', message: `no database at ${path} (pass --db PATH or set ORCHESTRATE_DB)` };
  }
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const schema = db.pragma('user_version', { simple: true }) as number;
    const refusal = schemaRefusal(path, schema, minSchema);
    if (refusal) {
      db.close();
      return { ok: false, code: 'SCHEMA_UNSUPPORTED', message: refusal };
    }
    return { ok: true, db, schema };
  } catch (error) {
    db?.close();
    return {
      ok: false,
      code: 'DATABASE_UNREADABLE',
      message: `cannot read ${path} as an orchestrate-mcp database: ${errorMessage(error)}`,
    };
  }
}

function schemaRefusal(path: string, schema: number, minSchema: number): string | undefined {
  if (schema === 0) return `${path} is not an orchestrate-mcp database (it has no schema version)`;
  if (schema > SCHEMA_VERSION) {
    return `${path} was written by a newer orchestrate-mcp (schema ${schema}; this build knows ${SCHEMA_VERSION}): use that version`;
  }
  if (schema < minSchema) {
    return `${path} has schema ${schema}, older than this command needs (${minSchema}): start orchestrate-mcp on it once to migrate it`;
  }
  return undefined;
}
