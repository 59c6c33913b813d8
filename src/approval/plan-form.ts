import type { ClientChannel } from '../engine/channel.js';
import type { Decision, Engine } from '../engine/engine.js';
import type { Task } from '../engine/model.js';
import { formatPlanForApproval } from '../engine/views/summarize.js';
import { formatDuration } from '../engine/views/text.js';
import { OrchestrateError } from '../errors.js';
import { elicitInCall } from '../session/elicitation.js';
import type { RequestExtra } from '../session/extra.js';
import { whileWaiting } from '../session/progress.js';
import { askHuman } from './answer.js';
import { planForm } from './forms.js';

export interface PlanDecision {
  task: Task;
  decision: 'approve' | 'reject';
}

/**
 * Plan approval by the human: inside the approve call, a form shows the plan and its hash. Approve
 * starts execution of exactly that plan; reject or decline cancels the task; a dismissed or
 * unanswered form changes nothing and is an error the model can act on (ask the user again).
 */
export async function approvePlanByForm(
  engine: Engine,
  taskId: string,
  options: { planHash?: string; extra: RequestExtra; channel: ClientChannel; timeoutMs: number },
): Promise<PlanDecision> {
  const { task, graph } = await engine.get(taskId);
  assertAwaitingApproval(task);
  if (options.planHash !== undefined && options.planHash !== task.planHash) {
    throw new OrchestrateError('PLAN_CHANGED', `The plan of task ${taskId} is ${task.planHash}, not ${options.planHash}.`, {
      details: { taskId, planHash: task.planHash },
    });
  }
  // The hash of the plan in the form, not whatever is current when the answer comes back.
  const shown = task.planHash;
  const { extra, timeoutMs } = options;
  const form = engine.masker.maskDeep(planForm(task, formatPlanForApproval(task, graph)));
  const outcome = await whileWaiting(extra, 'waiting for the user to answer the approval form', () =>
    askHuman(() => elicitInCall(extra, form, timeoutMs), extra.signal),
  );
  const details = { taskId, planHash: shown };
  switch (outcome.kind) {
    case 'approve':
      return {
        task: await engine.approve(taskId, {
          planHash: shown,
          channel: options.channel,
          actor: 'human',
          via: 'approval form',
          ...(outcome.comment ? { comment: outcome.comment } : {}),
        }),
        decision: 'approve',
      };
    case 'reject': {
      const why = outcome.declined ? 'the user declined the plan in the approval form' : 'the user rejected the plan in the approval form';
      const reason = outcome.comment ? `${why}: ${outcome.comment}` : why;
      return {
        task: await rejectPlan(engine, taskId, {
          reason,
          actor: 'human',
          via: 'approval form',
          ...(outcome.comment ? { comment: outcome.comment } : {}),
        }),
        decision: 'reject',
      };
    }
    case 'dismissed':
    case 'aborted':
      throw new OrchestrateError(
        'APPROVAL_DISMISSED',
        `The approval form for task ${taskId} was closed without a decision; it still awaits approval.`,
        {
          details,
        },
      );
    case 'timeout':
      throw new OrchestrateError(
        'APPROVAL_TIMEOUT',
        `Nobody answered the approval form for task ${taskId} within ${formatDuration(timeoutMs)}; it still awaits approval.`,
        { details },
      );
    case 'unreachable':
    case 'failed':
      throw new OrchestrateError('ELICITATION_FAILED', `${outcome.message} Task ${taskId} still awaits approval.`, {
        details,
        hint: 'The client could not show the approval form. Try again; if this client cannot show forms, the server can be configured with approval.policy "tool".',
      });
  }
}

/** Rejecting is always safe (nothing runs), so the model may do it without a form. */
export async function rejectPlan(engine: Engine, taskId: string, options: Decision & { reason: string }): Promise<Task> {
  assertAwaitingApproval((await engine.get(taskId)).task);
  return engine.reject(taskId, options);
}

function assertAwaitingApproval(task: Task): void {
  if (task.phase === 'awaiting_approval') return;
  throw new OrchestrateError(
    'INVALID_TRANSITION',
    `Task ${task.id} is ${task.phase}; only a plan awaiting approval can be approved or rejected. Use cancel to stop a running task.`,
    { details: { taskId: task.id, phase: task.phase } },
  );
}
