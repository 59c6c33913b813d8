import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockHeld, readLock, releaseLock, selfHolder, tryLock } from '../../src/runner/lock.js';

let dir: string;
let lock: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orch-lock-'));
  lock = join(dir, 'x.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('lock files', () => {
  it('is taken once: the file names this process, user-only; a second take fails while it lives', () => {
    expect(tryLock(lock, selfHolder({ role: 'test' }))).toBe(true);
    expect(statSync(lock).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, role: 'test' });
    expect(tryLock(lock, selfHolder())).toBe(false);
    releaseLock(lock);
    expect(readLock(lock)).toBeUndefined();
  });

  it('takes over a lock whose holder has exited', () => {
    writeFileSync(lock, JSON.stringify({ pid: deadPid() }));
    expect(lockHeld(lock)).toBe(false);
    expect(tryLock(lock, selfHolder())).toBe(true);
    expect(readLock(lock)?.pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to another process (another start time)', () => {
    writeFileSync(lock, JSON.stringify({ pid: process.pid, stamp: '1' }));
    expect(tryLock(lock, selfHolder())).toBe(true);
    expect(readLock(lock)?.stamp).toBe(selfHolder().stamp);
  });

  it('counts a lock being written as held for a few seconds, then as stale', () => {
    writeFileSync(lock, '');
    expect(tryLock(lock, selfHolder())).toBe(false);
    const past = new Date(Date.now() - 60_000);
    utimesSync(lock, past, past);
    expect(tryLock(lock, selfHolder())).toBe(true);
  });
});
