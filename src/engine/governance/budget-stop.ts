import type { StepRun } from '../model.js';
import type { TaskRun } from '../run/task-run.js';

/**
 * Asked before a step starts (and before a replan): when one of the task's budgets is used up, the
 * steps still pending are skipped with a reason naming that budget, and nothing new starts. Steps
 * already running finish; the task then ends `failed`.
 */
export async function stopForBudget(run: TaskRun): Promise<boolean> {
  const reason = await run.deps.budgets.forRun(run).check();
  if (reason === undefined) return false;
  const at = run.deps.writer.now();
  const skipped: Array<readonly [string, StepRun]> = [];
  for (const [stepId, state] of run.task.runs) {
    if (state.state === 'pending') skipped.push([stepId, { ...state, state: 'skipped', reason, finishedAt: at }]);
  }
  if (skipped.length > 0) await run.commit({ steps: skipped });
  return true;
}
