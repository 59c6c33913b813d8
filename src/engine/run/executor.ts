import { allSucceeded, isTerminalStepState, nextRun, tierNeedsConfirmation, type StepRun } from '../model.js';
import { confirmStep, needsConfirmation } from './confirm.js';
import type { StepFailure } from './deps.js';
import { awaitDecision } from './interrupted.js';
import { tryReplan, waitForHostReplan } from './replan.js';
import { interruptedSteps } from './resume.js';
import { runWithRetries } from './retry.js';
import type { TaskRun } from './task-run.js';

/**
 * Runs an approved (or resumed) task to its end in waves: each wave is every step that is ready;
 * steps that need a human are asked one by one, then the wave runs at most `maxParallel` at a time,
 * each step holding one of the process's slots while it runs and trying again after a retryable
 * failure as its policy allows. Steps interrupted by a stop wait for a person's word meanwhile.
 * Each action failure gets one replan attempt while the task has replans left.
 */
export async function executeTask(run: TaskRun): Promise<void> {
  if (run.signal.aborted) return;
  // A task resumed while it waited for corrective steps waits for what is left of its deadline.
  if (run.task.phase === 'awaiting_replan') await waitForHostReplan(run, deadlineLeft(run));
  const failures: StepFailure[] = [];
  const decisions = new Set<Promise<void>>();
  for (const stepId of interruptedSteps(run)) {
    const decision: Promise<void> = awaitDecision(run, stepId)
      .then((failure) => {
        if (failure) failures.push(failure);
      })
      .finally(() => decisions.delete(decision));
    decisions.add(decision);
  }
  while (!run.signal.aborted) {
    for (const failure of failures.splice(0)) {
      if (run.signal.aborted) break;
      await tryReplan(run, failure);
    }
    const wave = run.takeWave();
    if (wave.length > 0) failures.push(...(await runWave(run, wave)));
    else if (decisions.size > 0) await Promise.race(decisions);
    else if (failures.length === 0) break;
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
    if (needsConfirmation(step, deps.settings)) {
      if (await confirmStep(run, step)) runnable.push(stepId);
      continue;
    }
    // A tier that asks, pre-approved by the server's policy: the audit says who let it through.
    if (tierNeedsConfirmation(step.tier)) {
      await run.commit({
        audit: [
          {
            actor: 'policy',
            kind: 'step_confirmed',
            stepId,
            tier: step.tier,
            comment: `autoApproveTiers includes ${step.tier}`,
            source: 'config',
          },
        ],
      });
    }
    runnable.push(stepId);
  }
  const failures: StepFailure[] = [];
  await forEachLimited(runnable, deps.settings.maxParallel, async (stepId) => {
    const failure = await runWithRetries(run, stepId);
    if (failure) failures.push(failure);
  });
  return failures;
}

/** Ends the task: anything left unfinished is skipped, then reconciling → completed | failed. */
async function finish(run: TaskRun): Promise<void> {
  if (run.signal.aborted) return;
  // Counted while the task is still this process's, so a budget event it crosses reaches the audit.
  await run.deps.budgets.forRun(run).countWallTime();
  const at = run.deps.writer.now();
  const leftovers: Array<readonly [string, StepRun]> = [];
  for (const [stepId, state] of run.task.runs) {
    if (!isTerminalStepState(state.state))
      leftovers.push([stepId, nextRun(state, { state: 'skipped', reason: 'a dependency did not complete', finishedAt: at })]);
  }
  await run.commit({ steps: leftovers });
  const end = allSucceeded(run.task) ? 'completed' : 'failed';
  // A task resumed after a stop while it reconciled is reconciling already.
  await run.commit({ phases: run.task.phase === 'reconciling' ? [end] : ['reconciling', end] });
}

function deadlineLeft(run: TaskRun): number {
  const deadline = run.task.replanRequest ? Date.parse(run.task.replanRequest.deadline) : Number.NaN;
  return Number.isNaN(deadline) ? 0 : deadline - run.deps.clock.now().getTime();
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
