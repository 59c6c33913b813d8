import type { Logger } from 'pino';
import type { ClientChannel } from '../channel.js';
import { meteredLlm } from '../governance/metered.js';
import type { Step } from '../model.js';
import type { DependencyResult, StepContext, StepLlm, StepLogger } from '../ports.js';
import { allowedPathsOf } from '../plan/workdir.js';
import type { TaskRun } from './task-run.js';

/** What the engine gives a step's action: its signal, logger, the client's LLM, where it runs and its inputs from other steps. */
export function stepContext(run: TaskRun, step: Step, signal: AbortSignal, logger: Logger): StepContext {
  const { task, channel, deps } = run;
  const workdir = task.context.workdir ?? deps.settings.workdir;
  const allowedPaths = allowedPathsOf(task.context.roots, deps.settings.allowedPaths);
  const budget = deps.budgets.forRun(run);
  return {
    taskId: task.id,
    stepId: step.id,
    description: step.description,
    signal,
    logger: stepLogger(logger),
    llm: meteredLlm(llmAccess(channel, deps.settings.samplingMaxTokens), budget, deps.settings.samplingMaxTokens),
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
  };
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

export function llmAccess(channel: ClientChannel, defaultMaxTokens: number): StepLlm {
  return {
    get available() {
      return channel.isOpen() && channel.canSample();
    },
    complete: (request, options) =>
      channel.sample({ ...request, maxTokens: request.maxTokens ?? defaultMaxTokens }, options?.signal ?? new AbortController().signal),
  };
}

function stepLogger(logger: Logger): StepLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}
