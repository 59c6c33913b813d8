import { FAILING_COMMAND, PLAN_STEP_COUNT, REPAIR_STEP_COUNT, type SamplingKind } from './scripted-llm.js';
import type { TaskSnapshot } from './tracker.js';

export interface Observed {
  task: TaskSnapshot;
  sampled: SamplingKind[];
  notifications: string[];
}

/**
 * What a correct run looks like; every difference is returned as a problem. A task that needed a
 * replan ends `failed` by design: the original step's failure stays on record even after the
 * corrective steps succeed.
 */
export function checkRun({ task, sampled, notifications }: Observed): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  const states = (state: string) => task.steps.filter((s) => s.state === state);
  const failed = states('failed');
  const skipped = states('skipped');
  const completed = states('completed');

  expect(task.phase === 'failed', `the task ended "${task.phase}", expected "failed" (a step failed and a replan ran)`);
  expect(task.replanAttempts === 1, `replanAttempts is ${task.replanAttempts}, expected 1`);
  expect(
    task.steps.length === PLAN_STEP_COUNT + REPAIR_STEP_COUNT,
    `the task has ${task.steps.length} steps, expected ${PLAN_STEP_COUNT + REPAIR_STEP_COUNT}`,
  );
  expect(
    failed.length === 1 && (failed[0]?.error ?? '').includes(FAILING_COMMAND),
    `expected exactly the "${FAILING_COMMAND}" step to fail, got ${failed.map((s) => s.id).join(', ') || 'none'}`,
  );
  expect(skipped.length === 1 && skipped[0]?.action === 'notify', 'expected only the original notify step to be skipped');
  expect(completed.length === task.steps.length - 2, `expected ${task.steps.length - 2} completed steps, got ${completed.length}`);
  expect(
    sampled.join(',') === 'planner,research,repair',
    `the LLM was asked ${sampled.join(', ') || 'nothing'}; expected planner, research, repair`,
  );
  expect(notifications.length === 1, `expected one notification to the client, got ${notifications.length}`);
  return problems;
}
