import type { Logger } from 'pino';
import type { ActionContext, ActionResult, DependencyOutput, LlmAccess, PluginLogger } from '../plugins/api.js';
import { checkedOutcome } from '../plugins/result.js';
import { createExec, type SandboxConfig } from '../plugins/sandbox.js';
import { errorMessage } from '../errors.js';
import type { ClientChannel } from './channel.js';
import type { EngineContext, StepFailure } from './context.js';
import { releaseDependents, type LiveTask } from './live-task.js';
import type { Step, StepOutputs, StepRun } from './model.js';
import { skipDependents } from './skip.js';
import { formatDuration } from './text.js';
import { allowedPathsOf } from './workdir.js';

const AUDIT_CAP = 4_096;

class StepTimeout extends Error {}

/** Runs one step's action; resolves to the failure when its action failed (not when cancelled). */
export async function runStep(live: LiveTask, step: Step, ctx: EngineContext): Promise<StepFailure | undefined> {
  const { task } = live;
  const plugin = ctx.registry.get(step.action);
  const started = task.runs.get(step.id);
  if (!plugin) return fail(live, step, ctx, `No loaded plugin provides action "${step.action}".`);

  const stepAbort = new AbortController();
  const onTaskAbort = (): void => stepAbort.abort(live.abort.signal.reason);
  live.abort.signal.addEventListener('abort', onTaskAbort, { once: true });
  const configured = ctx.registry.options(plugin.name).timeoutSeconds;
  const timeoutMs = typeof configured === 'number' && configured > 0 ? configured * 1000 : (plugin.timeoutMs ?? ctx.settings.stepTimeoutMs);
  const timer = setTimeout(() => stepAbort.abort(new StepTimeout()), timeoutMs);
  const logger = ctx.logger.child({ taskId: task.id, stepId: step.id, plugin: plugin.name });
  live.channel.log('info', { event: 'step_started', taskId: task.id, stepId: step.id, description: step.description });
  logger.info({ action: step.action, description: step.description }, 'step started');

  let result: ActionResult | undefined;
  let error: unknown;
  try {
    const parsed = ctx.registry.parseInput(step.action, step.input);
    if (!parsed.success) throw new Error(`The step input no longer fits the ${step.action} action: ${parsed.problems.join('; ')}`);
    const input = parsed.data;
    const actionContext = buildContext(live, step, stepAbort.signal, logger, ctx, plugin.name);
    result = await untilAborted(plugin.run(input, actionContext), stepAbort.signal);
  } catch (caught) {
    error = caught;
  } finally {
    clearTimeout(timer);
    live.abort.signal.removeEventListener('abort', onTaskAbort);
    stepAbort.abort();
  }

  if (live.abort.signal.aborted) {
    // cancel() already marked the step; this only covers a race with it.
    ctx.recorder.setStep(task, step.id, { ...started, state: 'cancelled', finishedAt: ctx.recorder.now() });
    return undefined;
  }
  if (error instanceof StepTimeout) {
    return fail(live, step, ctx, `Action "${step.action}" timed out after ${formatDuration(timeoutMs)}.`);
  }
  ({ result, error } = checkedOutcome(step.action, result, error));
  if (error !== undefined || result === undefined) return fail(live, step, ctx, errorMessage(error), failureOutputs(error));
  return complete(live, step, ctx, result);
}

function complete(live: LiveTask, step: Step, ctx: EngineContext, result: ActionResult): undefined {
  const { task } = live;
  const outputs = ctx.masker.maskDeep(toOutputs(result));
  const summary = ctx.masker.mask(typeof result.summary === 'string' ? result.summary : String(result.summary ?? ''));
  const run: StepRun = { ...task.runs.get(step.id), state: 'completed', finishedAt: ctx.recorder.now(), summary, outputs };
  ctx.store.transaction(() => {
    if (!ctx.recorder.setStep(task, step.id, run)) return;
    audit(ctx, task.id, step, 'step executed', summary, 'success', outputs);
  });
  releaseDependents(live, step.id);
  live.channel.log('info', { event: 'step_completed', taskId: task.id, stepId: step.id, summary });
  ctx.logger.info({ taskId: task.id, stepId: step.id }, 'step completed');
  return undefined;
}

function fail(live: LiveTask, step: Step, ctx: EngineContext, rawError: string, produced?: StepOutputs): StepFailure {
  const { task } = live;
  const error = ctx.masker.mask(rawError);
  const outputs = produced && ctx.masker.maskDeep(produced);
  ctx.store.transaction(() => {
    const run: StepRun = {
      ...task.runs.get(step.id),
      state: 'failed',
      finishedAt: ctx.recorder.now(),
      error,
      ...(outputs ? { outputs } : {}),
    };
    if (!ctx.recorder.setStep(task, step.id, run)) return;
    audit(ctx, task.id, step, 'step failed', error, 'failure', outputs);
    skipDependents(live, step.id, ctx);
  });
  live.channel.log('error', { event: 'step_failed', taskId: task.id, stepId: step.id, error });
  ctx.logger.warn({ taskId: task.id, stepId: step.id, error }, 'step failed');
  return { stepId: step.id, description: step.description, error, ...(outputs ? { outputs } : {}) };
}

function toOutputs(result: Partial<ActionResult>): StepOutputs {
  return {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    artifacts: Array.isArray(result.artifacts) ? result.artifacts.map(String) : [],
    data: result.data ?? null,
    ...(result.truncated === true ? { truncated: true } : {}),
  };
}

/** What a failing action produced, when it threw an ActionError carrying it. */
function failureOutputs(error: unknown): StepOutputs | undefined {
  const result = (error as { result?: unknown } | undefined)?.result;
  if (!(error instanceof Error) || typeof result !== 'object' || result === null) return undefined;
  const outputs = toOutputs(result as Partial<ActionResult>);
  const empty =
    outputs.stdout === '' && outputs.stderr === '' && outputs.exitCode === null && outputs.data === null && outputs.artifacts.length === 0;
  return empty ? undefined : outputs;
}

function audit(
  ctx: EngineContext,
  taskId: string,
  step: Step,
  decision: string,
  action: string,
  outcome: 'success' | 'failure',
  outputs?: StepOutputs,
): void {
  ctx.store.appendAudit({
    taskId,
    stepId: step.id,
    ts: ctx.recorder.now(),
    source: 'orchestrator',
    request: step.description,
    decision,
    action,
    tier: step.tier,
    ...(outputs
      ? { stdout: outputs.stdout.slice(0, AUDIT_CAP), stderr: outputs.stderr.slice(0, AUDIT_CAP), exitCode: outputs.exitCode ?? 0 }
      : {}),
    outcome,
  });
}

function buildContext(
  live: LiveTask,
  step: Step,
  signal: AbortSignal,
  logger: Logger,
  ctx: EngineContext,
  pluginName: string,
): ActionContext {
  const workdir = live.task.context.workdir ?? ctx.settings.workdir;
  return {
    taskId: live.task.id,
    stepId: step.id,
    description: step.description,
    signal,
    logger: pluginLogger(logger),
    llm: llmAccess(live.channel, ctx.settings.samplingMaxTokens),
    exec: createExec(sandboxFor(live, ctx), workdir, signal),
    workdir,
    options: ctx.registry.options(pluginName),
    deps: dependencyOutputs(live, step),
    notify: async (message, level = 'info') => {
      if (!live.channel.isOpen()) return false;
      live.channel.log(level, { event: 'notify', taskId: live.task.id, stepId: step.id, message });
      return true;
    },
    progress: (message) => live.channel.log('info', { event: 'step_progress', taskId: live.task.id, stepId: step.id, message }),
  };
}

/** The sandbox of a task: commands may also run inside the client's workspace roots. */
function sandboxFor(live: LiveTask, ctx: EngineContext): SandboxConfig {
  const allowedPaths = allowedPathsOf(live.task.context.roots, ctx.settings.sandbox.allowedPaths);
  return allowedPaths ? { ...ctx.settings.sandbox, allowedPaths } : ctx.settings.sandbox;
}

function dependencyOutputs(live: LiveTask, step: Step): Record<string, DependencyOutput> {
  const deps: Record<string, DependencyOutput> = {};
  for (const id of step.dependsOn) {
    const run = live.task.runs.get(id);
    const dep = live.graph.step(id);
    if (!run || run.state !== 'completed' || !dep) continue;
    deps[id] = {
      stepId: id,
      action: dep.action,
      description: dep.description,
      summary: run.summary ?? '',
      stdout: run.outputs?.stdout ?? '',
      data: run.outputs?.data ?? null,
      artifacts: run.outputs?.artifacts ?? [],
    };
  }
  return deps;
}

export function llmAccess(channel: ClientChannel, defaultMaxTokens: number): LlmAccess {
  return {
    get available() {
      return channel.isOpen() && channel.canSample();
    },
    complete: (request, options) =>
      channel.sample({ ...request, maxTokens: request.maxTokens ?? defaultMaxTokens }, options?.signal ?? new AbortController().signal),
  };
}

function pluginLogger(logger: Logger): PluginLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/** Settles with the promise, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // A plugin that ignores its signal may still settle later; nobody is listening by then.
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(errorMessage(error)));
      },
    );
  });
}
