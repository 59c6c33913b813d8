import type { ClientChannel } from '../engine/channel.js';
import type { Engine } from '../engine/engine.js';
import type { Task } from '../engine/model.js';
import { formatPlanForApproval } from '../engine/summarize.js';
import { formatDuration } from '../engine/text.js';
import { OrchestrateError } from '../errors.js';
import type { ToolExtra } from '../tools/definition.js';
import { whileWaiting } from '../tools/progress.js';
import { askHuman } from './answer.js';
import { elicitInCall } from './elicitation.js';
import { planForm } from './forms.js';

/** How often a waiting approve call tells a client that asked for progress that it is still waiting. */

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
  planHash: string | undefined,
  extra: ToolExtra,
  channel: ClientChannel,
): Promise<PlanDecision> {
  const { task, graph } = engine.get(taskId);
  assertAwaitingApproval(task);
  if (planHash !== undefined && planHash !== task.planHash) {
    throw new OrchestrateError('PLAN_CHANGED', `The plan of task ${taskId} is ${task.planHash}, not ${planHash}.`, {
      details: { taskId, planHash: task.planHash },
    });
  }
  // The hash of the plan in the form, not whatever is current when the answer comes back.
  const shown = task.planHash;
  const timeoutMs = engine.ctx.settings.planApprovalTimeoutMs;
  const form = engine.masker.maskDeep(planForm(task, formatPlanForApproval(task, graph)));
  const outcome = await whileWaiting(extra, 'waiting for the user to answer the approval form', () =>
    askHuman(() => elicitInCall(extra, form, timeoutMs), extra.signal),
  );
  const details = { taskId, planHash: shown };
  switch (outcome.kind) {
    case 'approve':
      return { task: engine.approve(taskId, shown, channel), decision: 'approve' };
    case 'reject': {
      const why = outcome.declined ? 'the user declined the plan in the approval form' : 'the user rejected the plan in the approval form';
      return { task: rejectPlan(engine, taskId, outcome.comment ? `${why}: ${outcome.comment}` : why), decision: 'reject' };
    }
    case 'dismissed':
    case 'aborted':
      throw new OrchestrateError(
        'APPROVAL_DISMISSED',
        `The approval form for task ${taskId} was closed without a decision; it still awaits approval.`,
        { details },
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
export function rejectPlan(engine: Engine, taskId: string, reason: string): Task {
  assertAwaitingApproval(engine.get(taskId).task);
  return engine.cancel(taskId, reason);
}

function assertAwaitingApproval(task: Task): void {
  if (task.phase === 'awaiting_approval') return;
  throw new OrchestrateError(
    'INVALID_TRANSITION',
    `Task ${task.id} is ${task.phase}; only a plan awaiting approval can be approved or rejected. Use cancel to stop a running task.`,
    { details: { taskId: task.id, phase: task.phase } },
  );
}
