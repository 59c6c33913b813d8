import { hostname } from 'node:os';

/** A process that has not beaten its heart for this long is taken for dead. */
const STALE_AFTER_MS = 30_000;

/** Identifies this process as the executor of a task: host, pid and a random tag. */
export function ownerId(tag: string): string {
  return `${hostname()}:${process.pid}:${tag}`;
}

/** True when the process that was executing a task is gone. */
export function isStaleOwner(row: { owner: string | null; heartbeatAt: string | null }, now: Date): boolean {
  if (!row.owner) return true;
  const [host, pid] = row.owner.split(':');
  if (host === hostname() && pid !== undefined && !processAlive(Number(pid))) return true;
  const beat = row.heartbeatAt ? Date.parse(row.heartbeatAt) : 0;
  return now.getTime() - beat > STALE_AFTER_MS;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
