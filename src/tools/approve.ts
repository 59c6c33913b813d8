import { z } from 'zod';
import { approvePlanByForm, rejectPlan, type PlanDecision } from '../approval/plan-form.js';
import { approvalRoute, needsHuman, type ApprovalRoute } from '../approval/policy.js';
import { STEP_DECISIONS, type StepDecision } from '../engine/run/task-run.js';
import { OrchestrateError } from '../errors.js';
import { defineTool, type ToolExtra, type ToolServices } from './definition.js';
import { ok } from './result.js';
import { errorShape, taskViewShape } from './shapes.js';

type Decided = Omit<PlanDecision, 'decision'> & { decision: StepDecision; via: ApprovalRoute };

export const approveTool = defineTool({
  name: 'approve',
  title: 'Approve or reject a plan or a step',
  description:
    'Records the human decision on a plan: "approve" starts execution in the background and returns at once ' +
    '(follow it with status); "reject" discards the plan. With stepId, answers a per-step confirmation of a ' +
    'destructive or external step ("approve" or "reject"), or decides about a step the server was running when it ' +
    'stopped ("retry" runs it again, "done" counts it as completed, "fail" fails it). Only call this after the user has said so. When the client can show forms ' +
    '(elicitation), "approve" asks the user through a form inside this call and only their answer counts.',
  inputSchema: {
    taskId: z.string().max(200).optional().describe('The task; may be omitted when exactly one plan awaits approval'),
    decision: z
      .enum(STEP_DECISIONS)
      .optional()
      .describe('Default "approve". With stepId: approve | reject a confirmation; retry | done | fail a step interrupted by a stop'),
    planHash: z.string().max(200).optional().describe('The planHash the user saw; a different current plan fails with PLAN_CHANGED'),
    stepId: z.string().max(200).optional().describe('Answer the confirmation of this step instead of the plan'),
    comment: z.string().max(10_000).optional().describe('Why, in the user’s words'),
  },
  outputSchema: {
    taskId: z.string().optional().describe('The task decided on'),
    decision: z.enum(STEP_DECISIONS).optional().describe('The decision recorded'),
    stepId: z.string().optional().describe('The step confirmed or refused'),
    via: z.enum(['form', 'tool']).optional().describe('"form": the user answered an approval form; "tool": this call decided'),
    phase: z.string().optional().describe('Task phase after the decision'),
    task: taskViewShape.optional(),
    error: errorShape.optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, extra, services) {
    const { engine } = services;
    const asked = args.decision ?? 'approve';
    if (args.stepId !== undefined && args.taskId === undefined) {
      throw new OrchestrateError('INVALID_ARGUMENT', 'Answering a step confirmation needs taskId as well as stepId.', {
        details: { field: 'taskId' },
      });
    }
    const taskId = args.taskId ?? singlePending(await engine.pendingApprovals());
    let decided: Decided;
    if (args.stepId !== undefined) {
      // The engine refuses a model's approval (APPROVAL_NEEDS_HUMAN) while the user is asked through a form.
      const answer = {
        decision: asked,
        actor: 'model' as const,
        via: 'approve tool',
        ...(args.comment ? { comment: args.comment } : {}),
      };
      decided = { task: await engine.answerStep(taskId, args.stepId, answer), decision: asked, via: 'tool' };
    } else if (asked === 'approve') {
      decided = await approvePlan(taskId, args, extra, services);
    } else {
      // Rejecting is safe (nothing runs), so the model may do it without a form under every policy.
      const reason = args.comment ? `plan rejected: ${args.comment}` : 'plan rejected';
      const comment = args.comment ? { comment: args.comment } : {};
      decided = {
        task: await rejectPlan(engine, taskId, { reason, actor: 'model', via: 'approve tool', ...comment }),
        decision: 'reject',
        via: 'tool',
      };
    }
    const { task, decision, via } = decided;
    const what = args.stepId !== undefined ? `step ${args.stepId}` : 'the plan';
    const verb = { approve: 'approved', reject: 'rejected', retry: 'retried', done: 'marked done', fail: 'failed' }[decision];
    const who = via === 'form' ? `The user ${verb}` : `${verb[0]?.toUpperCase()}${verb.slice(1)}`;
    const follow = decision === 'approve' ? ' Follow it with status { taskId, waitUntil: "change" }.' : '';
    return ok(
      {
        taskId: task.id,
        decision,
        ...(args.stepId ? { stepId: args.stepId } : {}),
        via,
        phase: task.phase,
        task: await engine.view(task.id, { stepLimit: 100 }),
      },
      `${who} ${what} of task ${task.id}${via === 'form' ? ' in the approval form' : ''}; it is ${task.phase}.${follow}`,
    );
  },
});

/** Plan approval along the route the policy and the client allow. */
async function approvePlan(
  taskId: string,
  args: { planHash?: string; comment?: string },
  extra: ToolExtra,
  services: ToolServices,
): Promise<Decided> {
  const { engine, session, approval } = services;
  const route = approvalRoute(approval.policy, session.canElicit());
  if (route === 'unavailable') {
    throw needsHuman(
      `Task ${taskId} needs the user's approval through a form, and this client cannot show one (it does not support elicitation).`,
      { taskId, policy: 'elicitation' },
    );
  }
  const planHash = args.planHash !== undefined ? { planHash: args.planHash } : {};
  if (route === 'form') {
    return {
      ...(await approvePlanByForm(engine, taskId, { ...planHash, extra, channel: session, timeoutMs: approval.planTimeoutMs })),
      via: 'form',
    };
  }
  const comment = args.comment ? { comment: args.comment } : {};
  return {
    task: await engine.approve(taskId, { ...planHash, channel: session, actor: 'model', via: 'approve tool', ...comment }),
    decision: 'approve',
    via: 'tool',
  };
}

function singlePending(pending: string[]): string {
  if (pending.length === 1) return pending[0] as string;
  if (pending.length === 0) throw new OrchestrateError('NO_PENDING_TASK', 'No plan is waiting for approval.');
  throw new OrchestrateError('AMBIGUOUS_TASK', `${pending.length} plans are waiting for approval; pass taskId.`, {
    details: { taskIds: pending },
  });
}
