import { stopForBudget } from '../governance/budget-stop.js';
import { allSucceeded, isTerminalStepState, type StepRun } from '../model.js';
import { confirmStep, needsConfirmation } from './confirm.js';
import type { StepFailure } from './deps.js';
import { tryReplan } from './replan.js';
import { runStep } from './step-runner.js';
import type { TaskRun } from './task-run.js';

/**
 * Runs an approved task to its end in waves: each wave is every step that is ready; steps that
 * need a human are asked one by one, then the wave runs at most `maxParallel` at a time, each step
 * holding one of the process's slots while it runs. Each action failure of a wave gets one replan
 * attempt while the task has replans left.
 */
export async function executeTask(run: TaskRun): Promise<void> {
  if (run.signal.aborted) return;
  while (!run.signal.aborted) {
    const wave = run.takeWave();
    if (wave.length === 0) break;
    const failures = await runWave(run, wave);
    for (const failure of failures) {
      if (run.signal.aborted) break;
      await tryReplan(run, failure);
    }
  }
  await finish(run);
}

async function runWave(run: TaskRun, wave: string[]): Promise<StepFailure[]> {
  const { deps } = run;
  // Gated steps ask in wave order; the others stay pending until a worker really starts them, so
  // status never counts queued steps as running.
  const runnable: string[] = [];
  for (const stepId of wave) {
    if (run.signal.aborted) break;
    const step = run.step(stepId);
    if (!needsConfirmation(step, deps.settings) || (await confirmStep(run, step))) runnable.push(stepId);
  }
  const failures: StepFailure[] = [];
  await forEachLimited(runnable, deps.settings.maxParallel, async (stepId) => {
    if (run.signal.aborted) return;
    const release = await deps.slots.acquire(run.signal);
    if (!release) return;
    try {
      const current = run.run(stepId);
      if (current?.state !== 'pending') return;
      if (await stopForBudget(run)) return;
      if (!(await run.setStep(stepId, { ...current, state: 'running', startedAt: deps.writer.now() }))) return;
      const failure = await runStep(run, run.step(stepId));
      if (failure) failures.push(failure);
    } finally {
      release();
    }
  });
  return failures;
}

/** Ends the task: anything left unfinished is skipped, then reconciling → completed | failed. */
async function finish(run: TaskRun): Promise<void> {
  if (run.signal.aborted) return;
  const at = run.deps.writer.now();
  const leftovers: Array<readonly [string, StepRun]> = [];
  for (const [stepId, state] of run.task.runs) {
    if (!isTerminalStepState(state.state))
      leftovers.push([stepId, { ...state, state: 'skipped', reason: 'a dependency did not complete', finishedAt: at }]);
  }
  await run.commit({ steps: leftovers });
  await run.commit({ phases: ['reconciling', allSucceeded(run.task) ? 'completed' : 'failed'] });
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
