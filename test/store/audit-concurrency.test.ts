import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/store/audit-verify.js';
import { migrate } from '../../src/store/migrations.js';
import { exitOf } from '../helpers/bin.js';
import { auditTable, legacyStepEntry, tempDb, type TempDb } from './audit-support.js';

/** Runs against the built store in dist/ (`npm run build` first). */
const APPENDER = fileURLToPath(new URL('./fixtures/append-audit.mjs', import.meta.url));
const PER_PROCESS = 300;

let t: TempDb | undefined;
let dir: string | undefined;
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exitOf(child);
  }
  t?.remove();
  t = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function appender(path: string, name: string): { child: ChildProcessWithoutNullStreams; output: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [APPENDER, path, name, String(PER_PROCESS)], { stdio: 'pipe' });
  children.push(child);
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { child, output: () => output, stderr: () => stderr };
}

describe('appending from two processes at once', () => {
  it('keeps every chain linear and intact: each append reads the head and writes inside one BEGIN IMMEDIATE', async () => {
    t = tempDb();
    t.store.appendAudit(legacyStepEntry('task-a', 's0'));
    const writers = [appender(t.path, 'left'), appender(t.path, 'right')];
    await expect.poll(() => writers.every((w) => w.output().includes('ready')), { timeout: 15_000 }).toBe(true);
    for (const w of writers) w.child.stdin.write('go\n');
    const exits = await Promise.all(writers.map((w) => exitOf(w.child)));
    expect(exits.map((e, i) => [e.code, writers[i]?.stderr()])).toEqual([
      [0, ''],
      [0, ''],
    ]);

    const result = verifyAudit(t.db);
    expect(result).toEqual({ ok: true, entries: 1 + 2 * PER_PROCESS, chains: 3, problems: [] });
    const chainA = auditTable(t.db).filter((r) => r.chain === 'task-a');
    expect(chainA.map((r) => r.seq)).toEqual(chainA.map((_, i) => i + 1));
    // The writers really took turns: the chain switches between them, not one block after the other.
    const authors = chainA.slice(1).map((r) => String(r.comment).split(' ')[0]);
    const switches = authors.filter((author, i) => i > 0 && author !== authors[i - 1]).length;
    expect(switches).toBeGreaterThan(1);
  });

  it('migrates an old file once when both processes open it at the same moment', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrate-audit-race-'));
    const path = join(dir, 'state.db');
    const raw = new BetterSqlite3(path);
    migrate(raw, 1);
    raw.close();

    const writers = [appender(path, 'left'), appender(path, 'right')];
    await expect.poll(() => writers.every((w) => w.output().includes('ready')), { timeout: 15_000 }).toBe(true);
    for (const w of writers) w.child.stdin.write('go\n');
    const exits = await Promise.all(writers.map((w) => exitOf(w.child)));
    expect(exits.map((e, i) => [e.code, writers[i]?.stderr()])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(verifyAudit(db)).toEqual({ ok: true, entries: 2 * PER_PROCESS, chains: 3, problems: [] });
    } finally {
      db.close();
    }
  });
});
