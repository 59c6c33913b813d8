import { z } from 'zod';
import { OrchestrateError } from '../errors.js';
import { defineTool } from './definition.js';
import { ok } from './result.js';
import { errorShape, taskViewShape } from './shapes.js';

export const approveTool = defineTool({
  name: 'approve',
  title: 'Approve or reject a plan or a step',
  description:
    'Records the human decision on a plan: "approve" starts execution in the background and returns at once ' +
    '(follow it with status); "reject" discards the plan. With stepId, answers a per-step confirmation of a ' +
    'destructive or external step. Only call this after the user has said so.',
  inputSchema: {
    taskId: z.string().max(200).optional().describe('The task; may be omitted when exactly one plan awaits approval'),
    decision: z.enum(['approve', 'reject']).optional().describe('Default "approve"'),
    planHash: z.string().max(200).optional().describe('The planHash the user saw; a different current plan fails with PLAN_CHANGED'),
    stepId: z.string().max(200).optional().describe('Answer the confirmation of this step instead of the plan'),
    comment: z.string().max(10_000).optional().describe('Why, in the user’s words'),
  },
  outputSchema: {
    taskId: z.string().optional().describe('The task decided on'),
    decision: z.enum(['approve', 'reject']).optional().describe('The decision recorded'),
    stepId: z.string().optional().describe('The step confirmed or refused'),
    phase: z.string().optional().describe('Task phase after the decision'),
    task: taskViewShape.optional(),
    error: errorShape.optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, _extra, { engine, session }) {
    const decision = args.decision ?? 'approve';
    if (args.stepId !== undefined && args.taskId === undefined) {
      throw new OrchestrateError('INVALID_ARGUMENT', 'Answering a step confirmation needs taskId as well as stepId.', {
        details: { field: 'taskId' },
      });
    }
    const taskId = args.taskId ?? singlePending(engine.pendingApprovals());
    let task;
    if (args.stepId !== undefined) {
      task = engine.confirmStep(taskId, args.stepId, decision === 'approve');
    } else if (decision === 'approve') {
      task = engine.approve(taskId, args.planHash, session);
    } else {
      const current = engine.get(taskId).task;
      if (current.phase !== 'awaiting_approval') {
        throw new OrchestrateError('INVALID_TRANSITION', `Task ${taskId} is ${current.phase}; only a plan awaiting approval can be rejected. Use cancel to stop a running task.`, {
          details: { taskId, phase: current.phase },
        });
      }
      task = engine.cancel(taskId, args.comment ? `plan rejected: ${args.comment}` : 'plan rejected');
    }
    const what = args.stepId !== undefined ? `step ${args.stepId}` : 'the plan';
    const text =
      decision === 'approve'
        ? `Approved ${what} of task ${task.id}; it is ${task.phase}. Follow it with status { taskId, waitUntil: "change" }.`
        : `Rejected ${what} of task ${task.id}; it is ${task.phase}.`;
    return ok(
      { taskId: task.id, decision, ...(args.stepId ? { stepId: args.stepId } : {}), phase: task.phase, task: engine.view(task.id, { stepLimit: 100 }) },
      text,
    );
  },
});

function singlePending(pending: string[]): string {
  if (pending.length === 1) return pending[0] as string;
  if (pending.length === 0) throw new OrchestrateError('NO_PENDING_TASK', 'No plan is waiting for approval.');
  throw new OrchestrateError('AMBIGUOUS_TASK', `${pending.length} plans are waiting for approval; pass taskId.`, {
    details: { taskIds: pending },
  });
}
