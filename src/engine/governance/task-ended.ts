import { errorMessage } from '../../errors.js';
import type { TaskRun } from '../run/task-run.js';
import { episodeOf } from './episodes.js';

/**
 * A task stopped running in this process: its last wall time is counted, and a task that ran to
 * its end (completed or failed; not cancelled or cut short by a shutdown, which say nothing about
 * its plan) is remembered for the planning prompts of similar requests.
 */
export async function taskEnded(run: TaskRun): Promise<void> {
  const { deps, task } = run;
  try {
    await deps.budgets.release(task.id);
    if (!deps.memory || run.signal.aborted || (task.phase !== 'completed' && task.phase !== 'failed')) return;
    await deps.memory.record(await episodeOf(task, deps.store, deps.writer.now()));
  } catch (error) {
    deps.logger.warn({ taskId: task.id, err: errorMessage(error) }, 'could not settle the budgets or memory of a finished task');
  }
}
