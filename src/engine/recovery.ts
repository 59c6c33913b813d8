import { hostname } from 'node:os';
import type { EngineContext } from './context.js';
import { isTerminalStepState, type StepRun, type Task } from './model.js';

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

/**
 * Ends a task whose execution was cut short. Steps that were in flight fail as interrupted and
 * are never re-run (they may have had side effects); steps that had not started are skipped.
 */
export function interruptTask(task: Task, ctx: EngineContext, why: string): void {
  const at = ctx.recorder.now();
  const changes: Array<readonly [string, StepRun]> = [];
  for (const [stepId, run] of task.runs) {
    if (isTerminalStepState(run.state)) continue;
    changes.push(
      run.state === 'pending'
        ? [stepId, { ...run, state: 'skipped', reason: 'the server stopped before this step ran', finishedAt: at }]
        : [
            stepId,
            {
              ...run,
              state: 'failed',
              error: `Interrupted: ${why}; not re-run automatically because it may have had side effects.`,
              finishedAt: at,
            },
          ],
    );
  }
  ctx.store.transaction(() => {
    ctx.recorder.setSteps(task, changes);
    if (task.replanRequest) {
      task.replanRequest = undefined;
      ctx.recorder.saveMeta(task);
    }
    ctx.recorder.transitionPhase(task, 'reconciling');
    ctx.recorder.transitionPhase(task, 'failed');
  });
}
