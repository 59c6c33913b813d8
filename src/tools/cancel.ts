import { z } from 'zod';
import { defineTool } from './definition.js';
import { ok } from './result.js';
import { errorShape, taskViewShape } from './shapes.js';

export const cancelTool = defineTool({
  name: 'cancel',
  title: 'Cancel a task',
  description:
    'Stops a task: running steps are aborted (child processes killed, LLM requests cancelled) and unfinished ' +
    'steps end cancelled. The task and its history stay; cancelling a finished task changes nothing.',
  inputSchema: {
    taskId: z.string().max(200).describe('The task to cancel'),
    reason: z.string().max(10_000).optional().describe('Why, for the record'),
  },
  outputSchema: {
    task: taskViewShape.optional(),
    error: errorShape.optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, _extra, { engine }) {
    const task = await engine.cancel(args.taskId, { reason: args.reason ?? 'cancelled by request', actor: 'model', via: 'cancel tool' });
    return ok({ task: await engine.view(task.id, { stepLimit: 100 }) }, `Task ${task.id} is ${task.phase}.`);
  },
});
