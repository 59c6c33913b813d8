/**
 * Lock files made with O_EXCL: whoever creates the file holds the lock, and the file says who that
 * is (pid and, on Linux, the process's start time, so a recycled pid does not pass for the holder).
 * A lock whose holder is gone is taken over by renaming it away first, so that of two processes
 * that find the same stale lock only one takes it.
 */
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (Linux), when known. */
  stamp?: string;
  [field: string]: unknown;
}

/** A lock file that cannot be read yet is taken as held for this long (its holder is still writing it). */
const UNREADABLE_GRACE_MS = 5_000;

/** The holder of this process, for a lock's contents. */
export function selfHolder(extra: Record<string, unknown> = {}): LockHolder {
  const stamp = processStamp(process.pid);
  return { ...extra, pid: process.pid, ...(stamp ? { stamp } : {}) };
}

/** Takes the lock, or returns false when a live process holds it. */
export function tryLock(path: string, holder: LockHolder): boolean {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!takeOverStale(path)) return false;
  }
  return false;
}

/** Removes the lock if this process holds it. */
export function releaseLock(path: string): void {
  if (readLock(path)?.pid === process.pid) unlinkQuietly(path);
}

/** The holder named in the lock file; undefined when there is no lock, `{ pid: 0 }` while unreadable. */
export function readLock(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (Number.isInteger(holder.pid) && holder.pid > 0) return holder;
  } catch {
    // Being written right now, or damaged: decided by its age below.
  }
  return { pid: 0 };
}

/** True while the holder named in the lock is running. */
export function lockHeld(path: string): boolean {
  const holder = readLock(path);
  if (!holder) return false;
  if (holder.pid === 0) return ageMs(path) < UNREADABLE_GRACE_MS;
  return holderAlive(holder);
}

export function holderAlive(holder: LockHolder): boolean {
  if (!pidAlive(holder.pid)) return false;
  const stamp = processStamp(holder.pid);
  return holder.stamp === undefined || stamp === undefined || stamp === holder.stamp;
}

/** True while the process exists and is not a zombie (exited, not yet reaped). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return procStat(pid)?.[0] !== 'Z';
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Moves a stale lock aside; puts it back if a live holder took it in the meantime. */
function takeOverStale(path: string): boolean {
  if (lockHeld(path)) return false;
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return true; // Someone else moved it first: try to create it again.
  }
  if (lockHeld(aside)) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process holds the path now; the live lock we moved is lost, theirs stands.
    }
    unlinkQuietly(aside);
    return false;
  }
  unlinkQuietly(aside);
  return true;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started. Undefined off Linux. */
function processStamp(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** The fields of /proc/<pid>/stat after the command name (state first). Undefined off Linux. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
