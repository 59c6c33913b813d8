import type { EngineContext } from './context.js';
import type { LiveTask } from './live-task.js';
import { isTerminalPhase } from './model.js';

/**
 * Notices that another server process sharing the database ended a task this process runs (a
 * cancel sent to the other process): takes the stored phase and step states and aborts the work.
 * Returns true when it did.
 */
export function adoptExternalEnd(live: LiveTask, ctx: EngineContext): boolean {
  const stored = ctx.store.phaseOf(live.task.id);
  if (stored === undefined || !isTerminalPhase(stored) || isTerminalPhase(live.task.phase)) return false;
  const task = ctx.store.loadTask(live.task.id);
  if (!task) return false;
  for (const [stepId, run] of task.runs) live.task.runs.set(stepId, run);
  if (task.completedAt !== undefined) live.task.completedAt = task.completedAt;
  ctx.recorder.adoptStoredPhase(live.task);
  ctx.recorder.touch(live.task);
  live.abort.abort(new Error(`task ${stored} by another server process`));
  return true;
}
