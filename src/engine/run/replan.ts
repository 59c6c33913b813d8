import { errorMessage } from '../../errors.js';
import { stopForBudget } from '../governance/budget-stop.js';
import { recallEpisodes } from '../governance/episodes.js';
import { meteredRequest } from '../governance/metered.js';
import { MAX_REPLAN_ATTEMPTS, type Step } from '../model.js';
import { finalizeDrafts } from '../plan/finalize.js';
import { planFromLlmText } from '../plan/lenient.js';
import { computePlanHash } from '../plan/plan-hash.js';
import { buildRepairPrompt, recapExcerpt, type PlannerPrompt } from '../plan/prompt.js';
import { withTierFloor } from '../plan/tier-floor.js';
import type { PlannedDraft } from '../plan/types.js';
import { failureTail } from '../views/text.js';
import { untilAborted } from './abort.js';
import type { StepFailure } from './deps.js';
import type { HostReplan, TaskRun } from './task-run.js';

/**
 * One corrective replan after an action failure: by sampling when the task's client can sample,
 * otherwise by waiting (phase `awaiting_replan`) for the calling model to send corrective steps.
 * A failed, declined or empty replan leaves the plan as it is.
 */
export async function tryReplan(run: TaskRun, failure: StepFailure): Promise<void> {
  const { task, deps, channel } = run;
  if (run.signal.aborted || task.replanAttempts >= MAX_REPLAN_ATTEMPTS || (await stopForBudget(run))) return;
  const prompt = buildRepairPrompt(
    {
      originalRequest: task.request,
      failedStep: failure.description,
      error: failure.error,
      outputTail: failureTail(failure.outputs, failure.error),
      completed: run.graph
        .topologicalOrder()
        .filter((id) => run.run(id)?.state === 'completed')
        .map((id) => ({ description: run.step(id).description, outputExcerpt: recapExcerpt(run.run(id)?.outputs?.stdout ?? '') })),
    },
    {
      catalogue: deps.catalogue,
      ...(deps.settings.allowlist ? { allowlist: [...deps.settings.allowlist] } : {}),
      episodes: await recallEpisodes(deps, task.request),
    },
  );
  if (!(channel.isOpen() && channel.canSample())) {
    await replanByHost(run, failure, `${prompt.systemPrompt}\n\n${prompt.userMessage}`);
    return;
  }
  const steps = await replanBySampling(run, prompt);
  if (steps && steps.length > 0 && !run.signal.aborted) await splice(run, steps, 'sampling');
}

async function replanBySampling(run: TaskRun, prompt: PlannerPrompt): Promise<Step[] | undefined> {
  const { deps, channel, signal } = run;
  try {
    const request = {
      system: prompt.systemPrompt,
      messages: [{ role: 'user' as const, content: prompt.userMessage }],
      maxTokens: deps.settings.samplingMaxTokens,
    };
    const text = await untilAborted(
      meteredRequest(deps.budgets.forRun(run), request, () => channel.sample(request, signal)),
      signal,
    );
    const drafts = await planFromLlmText(text, deps.catalogue);
    await deps.budgets.checkCorrection(run, drafts, deps.catalogue);
    return toSteps(run, drafts);
  } catch (error) {
    if (!signal.aborted) deps.logger.warn({ taskId: run.task.id, err: errorMessage(error) }, 'replan by sampling produced no plan');
    return undefined;
  }
}

/** Asks the calling model for corrective steps (its client cannot sample) and waits for them. */
async function replanByHost(run: TaskRun, failure: StepFailure, prompt: string): Promise<void> {
  const { deps, task, channel } = run;
  const timeoutMs = deps.settings.hostReplanTimeoutMs;
  const replanRequest = {
    failedStepId: failure.stepId,
    failedStep: failure.description,
    error: failure.error,
    deadline: new Date(deps.clock.now().getTime() + timeoutMs).toISOString(),
    prompt,
  };
  await run.commit({ meta: { replanRequest }, phases: ['awaiting_replan'] });
  channel.log('warning', {
    event: 'replan_needed',
    taskId: task.id,
    failedStep: failure.stepId,
    error: failure.error,
    hint: 'Call plan with taskId and corrective steps; status shows the repair prompt.',
  });
  await waitForHostReplan(run, timeoutMs);
}

/**
 * Waits in `awaiting_replan` for `plan { taskId, steps }` from the calling model, until the
 * deadline or a cancel (a resumed task waits for what is left of its deadline). The answer is
 * applied before the `plan` call that delivered it returns, so that call already reports the task
 * as it continues.
 */
export async function waitForHostReplan(run: TaskRun, timeoutMs: number): Promise<void> {
  const { deps, signal } = run;
  const answer = await new Promise<HostReplan | undefined>((resolve) => {
    const settle = (value: HostReplan | undefined): void => {
      stopTimer();
      signal.removeEventListener('abort', onAbort);
      stopWaiting();
      resolve(value);
    };
    const onAbort = (): void => settle(undefined);
    const stopTimer = deps.clock.after(Math.max(0, timeoutMs), () => settle(undefined));
    signal.addEventListener('abort', onAbort, { once: true });
    const stopWaiting = run.awaitReplan({ resolve: settle });
  });
  try {
    if (signal.aborted) {
      await run.commit({ meta: { replanRequest: null } });
      return;
    }
    // No answer by the deadline: the system gives up on the replan, and the audit says so.
    const expired = answer
      ? []
      : [
          {
            actor: 'system' as const,
            kind: 'note' as const,
            comment: 'no corrective steps came before the deadline; the task goes on without them',
          },
        ];
    await run.commit({ meta: { replanRequest: null }, phases: ['executing'], audit: expired });
    if (answer && answer.steps.length > 0) await splice(run, answer.steps, 'host');
  } finally {
    answer?.applied();
  }
}

/** Turns validated drafts into steps with ids that continue the task's numbering. */
export function toSteps(run: TaskRun, drafts: PlannedDraft[]): Step[] {
  return finalizeDrafts(withTierFloor(drafts), () => run.nextStepId());
}

async function splice(run: TaskRun, steps: Step[], by: 'sampling' | 'host'): Promise<void> {
  const { task } = run;
  const previous = task.planHash;
  const planHash = computePlanHash(task.request, [...task.steps, ...steps], task.context.workdir);
  const audit = [
    {
      actor: 'model' as const,
      kind: 'replanned' as const,
      details: { previousPlanHash: previous, planHash, added: steps.map((s) => s.id), by },
    },
  ];
  if (!(await run.splice(steps, planHash, audit))) return;
  run.channel.log('info', { event: 'replanned', taskId: task.id, added: steps.map((s) => s.id) });
}
