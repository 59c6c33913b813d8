import { CreateMessageResultSchema, ListRootsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { SampleRequest } from '../engine/channel.js';
import type { PlannedTask } from '../engine/plan/create-task.js';
import { OrchestrateError } from '../errors.js';
import { samplingError, samplingParams, samplingText } from '../session/sampling.js';
import { defineTool, type ToolExtra, type ToolServices } from './definition.js';
import { ok } from './result.js';
import { taskUri } from '../resources/uris.js';
import { boundedPlanText, echoedSteps } from './plan-result.js';
import { errorShape, planContextShape, planStepsShape, stepShape, taskViewShape } from './shapes.js';

export const planTool = defineTool({
  name: 'plan',
  title: 'Plan a task',
  description:
    'Turns a request into a plan of steps (a DAG) for a human to approve; nothing runs yet. ' +
    "Without `steps`, the client's LLM decomposes the request by sampling; if the client cannot sample, the " +
    'result has phase "needs_plan" with a planning prompt and step schema: write the steps yourself and call ' +
    'plan again with `steps`. With `taskId` and `steps`, sends corrective steps to a task waiting for a replan.',
  inputSchema: {
    request: z.string().min(1).max(100_000).optional().describe('What to do, in plain words (required unless taskId is given)'),
    steps: planStepsShape.optional(),
    context: planContextShape.optional(),
    taskId: z.string().max(200).optional().describe('With steps: the task in phase awaiting_replan these corrective steps are for'),
  },
  outputSchema: {
    phase: z.string().optional().describe('"awaiting_approval", "needs_plan", or the task phase after a replan'),
    taskId: z.string().optional().describe('The new task'),
    planHash: z.string().optional().describe('Fingerprint of the plan; pass it to approve'),
    planText: z
      .string()
      .optional()
      .describe('The plan, as text to show the user (a huge plan shows its first steps and says where the rest is)'),
    steps: z
      .array(stepShape)
      .optional()
      .describe('The planned steps, fields capped like status; a big plan echoes only its first steps (see stepsTotal)'),
    stepsTotal: z.number().optional().describe('How many steps the plan has'),
    planningPrompt: z.string().optional().describe('needs_plan: the prompt to plan with'),
    stepSchema: z.record(z.string(), z.unknown()).optional().describe('needs_plan: JSON Schema of the steps array'),
    task: taskViewShape.optional().describe('After a replan: the task'),
    error: errorShape.optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, extra, services) {
    const { engine } = services;
    if (args.taskId !== undefined) {
      if (!args.steps) {
        throw new OrchestrateError('INVALID_ARGUMENT', 'With taskId, plan needs `steps`: the corrective steps.');
      }
      const task = await engine.submitReplan(args.taskId, args.steps);
      return ok(
        { phase: task.phase, taskId: task.id, task: await engine.view(task.id, { stepLimit: 100 }) },
        `Corrective steps accepted for task ${task.id}; execution continues. Follow it with status.`,
      );
    }
    if (args.request === undefined) {
      throw new OrchestrateError('INVALID_ARGUMENT', 'plan needs `request`: what to do.', { details: { field: 'request' } });
    }
    const roots = await services.session.roots.get((timeout) =>
      extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema, { signal: extra.signal, timeout }),
    );
    const context = engine.taskContext(args.context, roots, services.session.canSample());
    if (args.steps) return planned(await engine.planWithSteps(args.request, context, args.steps));
    if (!services.session.canSample()) {
      const prompt = await engine.planningPrompt(args.request, context);
      return ok(
        {
          phase: 'needs_plan',
          planningPrompt: `${prompt.systemPrompt}\n\n${prompt.userMessage}`,
          stepSchema: engine.stepSchema(),
        },
        'This client cannot sample, so write the plan yourself: follow planningPrompt, produce a steps array ' +
          'matching stepSchema, and call plan again with the same request and `steps`.',
      );
    }
    const { mask } = engine.masker;
    const sample = (system: string, user: string, signal: AbortSignal, maxTokens: number) =>
      sampleInCall(extra, services, { system: mask(system), messages: [{ role: 'user', content: mask(user) }], maxTokens }, signal);
    return planned(await engine.planBySampling(args.request, context, sample, extra.signal));
  },
});

function planned(result: PlannedTask) {
  const { task } = result;
  const planText = boundedPlanText(result);
  const steps = echoedSteps(task.steps);
  const more =
    steps.length < task.steps.length
      ? `\n\n\`steps\` holds the first ${steps.length} of ${task.steps.length} steps, cut to keep this result small; ` +
        `read ${taskUri(task.id)} for all of them.`
      : '';
  return ok(
    { phase: task.phase, taskId: task.id, planHash: task.planHash, planText, steps, stepsTotal: task.steps.length },
    `${planText}\n\nShow this plan to the user. Nothing runs until they approve: call approve with taskId ` +
      `"${task.id}" and planHash "${task.planHash}", or approve with decision "reject".${more}`,
  );
}

/** Sampling inside the tool call, so HTTP transports route it on the call's own stream. */
async function sampleInCall(extra: ToolExtra, services: ToolServices, request: SampleRequest, signal: AbortSignal) {
  try {
    const result = await extra.sendRequest(
      { method: 'sampling/createMessage', params: samplingParams(request) },
      CreateMessageResultSchema,
      { signal, timeout: services.samplingTimeoutMs },
    );
    return samplingText(result);
  } catch (error) {
    throw samplingError(error);
  }
}
