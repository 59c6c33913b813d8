import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/open.js';

describe('openDatabase', () => {
  it('creates the folder, turns on WAL and migrates to the current schema', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'orchestrate-store-')), 'nested', 'state.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    expect(tables).toEqual(expect.arrayContaining(['tasks', 'steps', 'task_states', 'audit']));
    db.close();
  });

  it('opens an existing file again without re-running migrations', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'orchestrate-store-')), 'state.db');
    openDatabase(path).close();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'orchestrate-store-')), 'state.db');
    const raw = new BetterSqlite3(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(/newer orchestrate-mcp/);
  });

  it('accepts :memory:', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });
});
