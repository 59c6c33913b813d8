import type { StepRun } from '../model.js';
import { INTERRUPTED } from './interrupted.js';
import type { TaskRun } from './task-run.js';
import type { AuditDraft } from './writer.js';

/**
 * Picks up a task a stopped server was running, before it runs on here. What that server's steps
 * left running is stopped first (their process groups, checked by start time). Then each step
 * that was in flight is decided on: one whose action is safe to repeat (`effects` none or
 * idempotent) runs again by itself; a side-effecting one waits for a person (`awaiting_confirmation`,
 * reason "interrupted"). A step that was waiting for a confirmation is asked again when it is due;
 * completed steps stay completed.
 */
export async function resumeTask(run: TaskRun): Promise<void> {
  const { deps, task } = run;
  const inFlight = [...task.runs].filter(([, state]) => state.state === 'running');
  const groups = inFlight.flatMap(([, state]) => state.processes ?? []);
  const stopped = groups.length > 0 ? await deps.actions.reap(groups) : 0;
  const changes: Array<readonly [string, StepRun]> = [];
  const audit: AuditDraft[] = [];
  for (const [stepId, state] of task.runs) {
    const { processes: _gone, nonce: _asked, confirmVia: _via, ...rest } = state;
    if (state.state === 'running') {
      const step = run.step(stepId);
      const effects = step.effects ?? deps.catalogue.info(step.action)?.effects ?? 'side-effecting';
      const again = effects !== 'side-effecting';
      changes.push([
        stepId,
        again ? { ...rest, state: 'pending' } : { ...rest, state: 'awaiting_confirmation', reason: INTERRUPTED, confirmVia: 'tool' },
      ]);
      audit.push({
        actor: 'system',
        kind: 'resume_decision',
        stepId,
        comment: again ? `re-run: its action is ${effects}` : 'waits for a person: it may have had side effects (retry, done or fail)',
        details: { effects, decision: again ? 'rerun' : 'ask', ...(stopped > 0 ? { processesStopped: stopped } : {}) },
      });
    } else if (state.state === 'awaiting_confirmation' && state.reason !== INTERRUPTED) {
      changes.push([stepId, { ...rest, state: 'pending' }]);
    }
  }
  audit.push({
    actor: 'system',
    kind: 'resume_decision',
    comment: `resumed by ${deps.settings.ownerId}`,
    details: { owner: deps.settings.ownerId },
  });
  await run.commit({ steps: changes, audit });
  await deps.budgets.forRun(run).releaseStaleHolds();
  for (const [stepId, state] of changes) if (state.state === 'pending') run.requeue(stepId);
}

/** Steps waiting for a person's word after an interruption. */
export function interruptedSteps(run: TaskRun): string[] {
  return [...run.task.runs]
    .filter(([, state]) => state.state === 'awaiting_confirmation' && state.reason === INTERRUPTED)
    .map(([id]) => id);
}
