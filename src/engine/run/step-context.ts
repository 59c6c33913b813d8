import { OrchestrateError } from '../../errors.js';
import { sha256Hex } from '../../hash.js';
import { formatDuration } from '../views/text.js';
import type { Logger } from 'pino';
import type { ClientChannel } from '../channel.js';
import { meteredLlm } from '../governance/metered.js';
import { nextRun, type Step } from '../model.js';
import type { DependencyResult, StepContext, StepLlm, StepLogger } from '../ports.js';
import { allowedPathsOf } from '../plan/workdir.js';
import type { TaskRun } from './task-run.js';

/** What the engine gives a step's action: its signal, logger, the client's LLM, where it runs and its inputs from other steps. */
export function stepContext(run: TaskRun, step: Step, signal: AbortSignal, logger: Logger, attempt: number): StepContext {
  const { task, channel, deps } = run;
  const workdir = task.context.workdir ?? deps.settings.workdir;
  const allowedPaths = allowedPathsOf(task.context.roots, deps.settings.allowedPaths);
  const budget = deps.budgets.forRun(run);
  const groups = [...(run.run(step.id)?.processes ?? [])];
  return {
    taskId: task.id,
    stepId: step.id,
    description: step.description,
    signal,
    logger: stepLogger(logger),
    llm: meteredLlm(
      llmAccess(channel, deps.settings.samplingMaxTokens, (waitSignal) => waitForSampler(run, step, waitSignal)),
      budget,
      deps.settings.samplingMaxTokens,
    ),
    workdir,
    ...(allowedPaths ? { allowedPaths } : {}),
    deps: dependencyResults(run, step),
    notify: async (message, level = 'info') => {
      if (!channel.isOpen()) return false;
      channel.log(level, { event: 'notify', taskId: task.id, stepId: step.id, message });
      return true;
    },
    progress: (message) => channel.log('info', { event: 'step_progress', taskId: task.id, stepId: step.id, message }),
    budget: { remaining: () => budget.remaining(), spend: (use) => budget.spend(use) },
    attempt,
    idempotencyKey: idempotencyKeyOf(task.id, step.id),
    onProcess: (group) => {
      // Recorded with the step, so a server that takes over after a crash can stop what is left of it.
      groups.push(group);
      const current = run.run(step.id);
      if (current?.state !== 'running') return;
      void run.setStep(step.id, nextRun(current, { processes: [...groups] })).catch(() => {});
    },
  };
}

/** The same for a task and step across attempts, restarts and servers. */
export function idempotencyKeyOf(taskId: string, stepId: string): string {
  return sha256Hex(`${taskId}:${stepId}`).slice(0, 32);
}

function dependencyResults(run: TaskRun, step: Step): Record<string, DependencyResult> {
  const results: Record<string, DependencyResult> = {};
  for (const id of step.dependsOn) {
    const result = run.run(id);
    if (!result || result.state !== 'completed' || !run.graph.has(id)) continue;
    const dependency = run.step(id);
    results[id] = {
      stepId: id,
      action: dependency.action,
      description: dependency.description,
      summary: result.summary ?? '',
      stdout: result.outputs?.stdout ?? '',
      data: result.outputs?.data ?? null,
      artifacts: result.outputs?.artifacts ?? [],
    };
  }
  return results;
}

/** How many times one LLM request waits for another client after the one answering it went away. */
const MAX_CLIENT_WAITS = 5;

/**
 * The client's LLM as a step sees it. When the task expects one and no client that samples is
 * connected (its client has gone, the server restarted), a request first waits for one
 * (`waitForClient`) rather than failing.
 */
export function llmAccess(
  channel: ClientChannel,
  defaultMaxTokens: number,
  waitForClient?: (signal: AbortSignal) => Promise<void>,
): StepLlm {
  return {
    get available() {
      return channel.isOpen() && channel.canSample();
    },
    complete: async (request, options) => {
      const signal = options?.signal ?? new AbortController().signal;
      const sample = { ...request, maxTokens: request.maxTokens ?? defaultMaxTokens };
      // The client may go while it answers (its window closed): the request waits for the next one.
      for (let tries = 1; ; tries += 1) {
        if (waitForClient && channel.mustWaitToSample?.()) await waitForClient(signal);
        try {
          return await channel.sample(sample, signal);
        } catch (error) {
          const gone = error instanceof OrchestrateError && error.code === 'SAMPLING_UNAVAILABLE';
          if (!gone || !waitForClient || signal.aborted || tries >= MAX_CLIENT_WAITS || !channel.mustWaitToSample?.()) throw error;
        }
      }
    },
  };
}

/**
 * Waits, visibly (the step shows `waitingFor: "sampling"`, the task `awaiting: client`), for a
 * client that samples to connect; fails with SAMPLING_UNAVAILABLE after the configured wait.
 */
async function waitForSampler(run: TaskRun, step: Step, signal: AbortSignal): Promise<void> {
  const { deps, channel } = run;
  const waitMs = deps.settings.clientWaitTimeoutMs;
  const expired = new AbortController();
  const stopTimer = deps.clock.after(waitMs, () => expired.abort());
  const mark = async (waiting: boolean): Promise<void> => {
    const current = run.run(step.id);
    if (current?.state !== 'running') return;
    const { waitingFor: _was, ...rest } = current;
    await run.setStep(step.id, waiting ? nextRun(rest, { waitingFor: 'sampling' }) : rest);
  };
  await mark(true);
  deps.logger.info({ taskId: run.task.id, stepId: step.id }, 'waiting for a client that samples');
  try {
    await channel.untilSampler?.(AbortSignal.any([signal, expired.signal]));
  } catch (error) {
    if (!expired.signal.aborted || signal.aborted) throw error;
    throw new OrchestrateError(
      'SAMPLING_UNAVAILABLE',
      `SAMPLING_UNAVAILABLE: no client that can sample connected within ${formatDuration(waitMs)} (resume.clientWaitSeconds).`,
    );
  } finally {
    stopTimer();
    await mark(false).catch(() => {});
  }
}

function stepLogger(logger: Logger): StepLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}
