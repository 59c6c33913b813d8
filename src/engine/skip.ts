import type { EngineContext } from './context.js';
import type { LiveTask } from './live-task.js';
import { isTerminalStepState, type StepRun } from './model.js';

/** Skips every not-yet-finished transitive dependent of a step that did not complete. */
export function skipDependents(live: LiveTask, stepId: string, ctx: EngineContext, reason = `dependency ${stepId} failed`): void {
  const { task } = live;
  const at = ctx.recorder.now();
  const changes: Array<readonly [string, StepRun]> = [];
  for (const id of live.graph.transitiveDependents(stepId)) {
    const run = task.runs.get(id);
    if (!run || isTerminalStepState(run.state)) continue;
    changes.push([id, { ...run, state: 'skipped', reason, finishedAt: at }]);
    live.ready.delete(id);
  }
  ctx.recorder.setSteps(task, changes);
}
