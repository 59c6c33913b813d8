import type { EngineContext, StepFailure } from './context.js';
import { confirmStep, needsConfirmation } from './confirm.js';
import { takeWave, type LiveTask } from './live-task.js';
import { allSucceeded, isTerminalStepState, type StepRun } from './model.js';
import { tryReplan } from './replan.js';
import { runStep } from './step-runner.js';

/**
 * Runs an approved task to its end in waves: each wave is every step that is ready, pre-flighted
 * one by one (running, confirmation), then run at most `maxParallel` at a time. Each action
 * failure of a wave gets one replan attempt while the task has replans left.
 */
export async function executeTask(live: LiveTask, ctx: EngineContext): Promise<void> {
  const { task } = live;
  const signal = live.abort.signal;
  if (signal.aborted) return;
  ctx.recorder.transitionPhase(task, 'executing');
  while (!signal.aborted) {
    const wave = takeWave(live);
    if (wave.length === 0) break;
    const failures = await runWave(live, wave, ctx);
    for (const failure of failures) {
      if (signal.aborted) break;
      await tryReplan(live, failure, ctx);
    }
  }
  finalize(live, ctx);
}

async function runWave(live: LiveTask, wave: string[], ctx: EngineContext): Promise<StepFailure[]> {
  const { task } = live;
  // Gated steps are pre-flighted one by one, in wave order (running, then awaiting a human). The
  // others stay pending until a worker really starts them, so status never counts queued steps
  // as running.
  const runnable: string[] = [];
  for (const stepId of wave) {
    if (live.abort.signal.aborted) break;
    const step = live.graph.step(stepId);
    if (!needsConfirmation(step, ctx)) {
      runnable.push(stepId);
      continue;
    }
    if (await confirmStep(live, step, ctx)) runnable.push(stepId);
  }
  const failures: StepFailure[] = [];
  await forEachLimited(runnable, ctx.settings.maxParallel, async (stepId) => {
    const step = live.graph.step(stepId);
    if (!step || live.abort.signal.aborted) return;
    // A step counts as running only while it holds one of the process's slots.
    const release = await ctx.slots.acquire(live.abort.signal);
    if (!release) return;
    try {
      const run = task.runs.get(stepId);
      if (run?.state !== 'pending') return;
      ctx.recorder.setStep(task, stepId, { ...run, state: 'running', startedAt: ctx.recorder.now() });
      if (task.runs.get(stepId)?.state !== 'running') return;
      const failure = await runStep(live, step, ctx);
      if (failure) failures.push(failure);
    } finally {
      release();
    }
  });
  return failures;
}

/** Ends the task: anything left unfinished is skipped, then reconciling → completed | failed. */
function finalize(live: LiveTask, ctx: EngineContext): void {
  const { task } = live;
  if (live.abort.signal.aborted) return;
  const at = ctx.recorder.now();
  const leftovers: Array<readonly [string, StepRun]> = [];
  for (const [stepId, run] of task.runs) {
    if (!isTerminalStepState(run.state)) {
      leftovers.push([stepId, { ...run, state: 'skipped', reason: 'a dependency did not complete', finishedAt: at }]);
    }
  }
  ctx.recorder.setSteps(task, leftovers);
  ctx.recorder.transitionPhase(task, 'reconciling');
  ctx.recorder.transitionPhase(task, allSucceeded(task) ? 'completed' : 'failed');
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
