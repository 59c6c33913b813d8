import { errorMessage } from '../errors.js';
import type { EngineContext, StepFailure } from './context.js';
import { finalizeDrafts } from './decompose/finalize.js';
import { planFromLlmText } from './decompose/lenient.js';
import { buildRepairPrompt, recapExcerpt } from './decompose/prompt.js';
import { withTierFloor } from './decompose/tier-floor.js';
import type { PlannedDraft } from './decompose/types.js';
import { trackSteps, type LiveTask } from './live-task.js';
import { MAX_REPLAN_ATTEMPTS, type Step } from './model.js';
import { computePlanHash } from './plan-hash.js';
import { untilAborted } from './step-runner.js';
import { failureTail } from './text.js';

/**
 * One corrective replan after an action failure: by sampling when the task's client can sample,
 * otherwise by waiting (phase `awaiting_replan`) for the calling model to send corrective steps.
 * A failed, declined or empty replan leaves the plan as it is.
 */
export async function tryReplan(live: LiveTask, failure: StepFailure, ctx: EngineContext): Promise<void> {
  const { task } = live;
  if (live.abort.signal.aborted || task.replanAttempts >= MAX_REPLAN_ATTEMPTS) return;
  const repair = {
    originalRequest: task.request,
    failedStep: failure.description,
    error: failure.error,
    outputTail: failureTail(failure.outputs, failure.error),
    completed: live.graph
      .topologicalOrder()
      .filter((id) => task.runs.get(id)?.state === 'completed')
      .map((id) => ({
        description: live.graph.step(id)?.description ?? id,
        outputExcerpt: recapExcerpt(task.runs.get(id)?.outputs?.stdout ?? ''),
      })),
  };
  const prompt = buildRepairPrompt(repair, {
    catalogue: ctx.registry,
    ...(ctx.settings.sandbox.allowlist ? { allowlist: [...ctx.settings.sandbox.allowlist] } : {}),
  });
  if (!(live.channel.isOpen() && live.channel.canSample())) {
    await replanByHost(live, failure, `${prompt.systemPrompt}\n\n${prompt.userMessage}`, ctx);
    return;
  }
  const steps = await replanBySampling(live, prompt, ctx);
  if (steps && steps.length > 0 && !live.abort.signal.aborted) splice(live, steps, ctx);
}

async function replanBySampling(
  live: LiveTask,
  prompt: { systemPrompt: string; userMessage: string },
  ctx: EngineContext,
): Promise<Step[] | undefined> {
  const logger = ctx.logger.child({ taskId: live.task.id });
  try {
    const text = await untilAborted(
      live.channel.sample(
        {
          system: prompt.systemPrompt,
          messages: [{ role: 'user', content: prompt.userMessage }],
          maxTokens: ctx.settings.samplingMaxTokens,
        },
        live.abort.signal,
      ),
      live.abort.signal,
    );
    const drafts = await planFromLlmText(text, ctx.registry, allowlistOption(ctx));
    return toSteps(live, drafts, ctx);
  } catch (error) {
    if (!live.abort.signal.aborted) logger.warn({ err: errorMessage(error) }, 'replan by sampling produced no plan');
    return undefined;
  }
}

/**
 * Waits for `plan { taskId, steps }` from the calling model, until the deadline or a cancel. The
 * answer is applied synchronously (phase back to executing, steps spliced) so the `plan` call that
 * delivered it already reports the task as it continues.
 */
async function replanByHost(live: LiveTask, failure: StepFailure, prompt: string, ctx: EngineContext): Promise<void> {
  const { task } = live;
  const timeoutMs = ctx.settings.hostReplanTimeoutMs;
  task.replanRequest = {
    failedStepId: failure.stepId,
    failedStep: failure.description,
    error: failure.error,
    deadline: new Date(ctx.clock.now().getTime() + timeoutMs).toISOString(),
    prompt,
  };
  ctx.recorder.saveMeta(task);
  ctx.recorder.transitionPhase(task, 'awaiting_replan');
  live.channel.log('warning', {
    event: 'replan_needed',
    taskId: task.id,
    failedStep: failure.stepId,
    error: failure.error,
    hint: 'Call plan with taskId and corrective steps; status shows the repair prompt.',
  });
  await new Promise<void>((resolve) => {
    const signal = live.abort.signal;
    const settle = (steps: Step[] | undefined): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      live.replanWaiter = undefined;
      task.replanRequest = undefined;
      ctx.recorder.saveMeta(task);
      if (!signal.aborted) {
        ctx.recorder.transitionPhase(task, 'executing');
        if (steps && steps.length > 0) splice(live, steps, ctx);
      }
      resolve();
    };
    const onAbort = (): void => settle(undefined);
    const timer = setTimeout(() => settle(undefined), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    live.replanWaiter = { resolve: settle };
  });
}

/** Turns validated drafts into steps with ids that continue the task's numbering. */
export function toSteps(live: LiveTask, drafts: PlannedDraft[], ctx: Pick<EngineContext, 'registry'>): Step[] {
  return finalizeDrafts(withTierFloor(drafts), () => {
    const id = `s${live.nextStepNumber}`;
    live.nextStepNumber += 1;
    return id;
  });
}

function splice(live: LiveTask, steps: Step[], ctx: EngineContext): void {
  const { task } = live;
  let graph;
  try {
    graph = live.graph.withSteps(steps);
  } catch (error) {
    ctx.logger.warn({ taskId: task.id, err: errorMessage(error) }, 'replan steps rejected by the graph');
    return;
  }
  const startPosition = task.steps.length;
  live.graph = graph;
  for (const step of steps) task.runs.set(step.id, { state: 'pending' });
  task.steps.push(...steps);
  task.replanAttempts += 1;
  task.planHash = computePlanHash(task.request, task.steps, task.context.workdir);
  ctx.store.addSteps(task, steps, startPosition, ctx.recorder.now());
  ctx.recorder.saveMeta(task);
  trackSteps(live, steps);
  live.channel.log('info', { event: 'replanned', taskId: task.id, added: steps.map((s) => s.id) });
}

function allowlistOption(ctx: EngineContext): { allowlist?: string[] } {
  return ctx.settings.sandbox.allowlist ? { allowlist: [...ctx.settings.sandbox.allowlist] } : {};
}
