import { z } from 'zod';
import { clipText } from '../engine/views/clip.js';
import { isTerminalPhase } from '../engine/model.js';
import { taskUri } from '../resources/uris.js';
import type { TaskView } from '../engine/views/view.js';
import { defineTool } from './definition.js';
import { whileWaiting } from '../session/progress.js';
import { ok } from './result.js';
import { errorShape, taskSummaryShape, taskViewShape } from './shapes.js';

/** Characters of each request in the task list. */
const LIST_REQUEST_CAP = 300;

export const statusTool = defineTool({
  name: 'status',
  title: 'Task status',
  description:
    'Shows a task as it is now: phase, every step with its state and outputs, and what it waits for. ' +
    'waitUntil "change" or "terminal" long-polls (up to timeoutSeconds, max 50) so a long task can be followed ' +
    'without busy polling. Without taskId, lists recent tasks, newest first.',
  inputSchema: {
    taskId: z.string().max(200).optional().describe('The task; omit to list recent tasks'),
    waitUntil: z.enum(['change', 'terminal']).optional().describe('Wait for the next change, or for the task to end'),
    sinceVersion: z
      .number()
      .optional()
      .describe('With waitUntil "change": the version you last saw; returns at once if the task has changed since'),
    timeoutSeconds: z.number().min(0).max(50).optional().describe('Longest wait, default 25'),
    stepOffset: z.number().int().min(0).optional().describe('First step to include (topological order)'),
    stepLimit: z
      .number()
      .int()
      .min(1)
      .max(1_000)
      .optional()
      .describe('How many steps to include, default 100; fewer when they are large (see nextStepOffset)'),
    limit: z.number().int().min(1).max(100).optional().describe('List: how many tasks, default 20'),
    offset: z.number().int().min(0).optional().describe('List: how many tasks to skip'),
  },
  outputSchema: {
    task: taskViewShape.optional(),
    tasks: z.array(taskSummaryShape).optional().describe('Recent tasks, newest first'),
    total: z.number().optional().describe('List: how many tasks exist'),
    nextOffset: z.number().optional().describe('List: offset of the next page'),
    error: errorShape.optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(args, extra, { engine, clock }) {
    if (args.taskId === undefined) {
      const limit = args.limit ?? 20;
      const offset = args.offset ?? 0;
      const listed = await engine.list({ limit, offset });
      const { total } = listed;
      // A request may be 100,000 chars; a list of them would be megabytes.
      const items = listed.items.map((t) => ({ ...t, request: clipText(t.request, LIST_REQUEST_CAP) }));
      const more = offset + items.length < total;
      const lines = items.map((t) => `- ${t.id} [${t.phase}] ${t.request.slice(0, 80)}`);
      return ok(
        { tasks: items, total, ...(more ? { nextOffset: offset + items.length } : {}) },
        items.length === 0 ? 'No tasks yet.' : `${total} task(s), newest first:\n${lines.join('\n')}`,
      );
    }
    const taskId = args.taskId;
    if (args.waitUntil) {
      const before = (await engine.get(taskId)).task;
      // A terminal task never changes again, and a change since the caller's last look is news already.
      const changedSince = args.sinceVersion !== undefined && args.sinceVersion !== before.version;
      if (!isTerminalPhase(before.phase) && !changedSince) {
        await whileWaiting(
          extra,
          'waiting for the task to change',
          () => engine.waitFor(taskId, args.waitUntil ?? 'change', (args.timeoutSeconds ?? 25) * 1000, extra.signal),
          clock,
        );
      }
    }
    const view = await engine.view(taskId, { stepOffset: args.stepOffset ?? 0, stepLimit: args.stepLimit ?? 100 });
    return ok({ task: view }, describe(view));
  },
});

function describe(view: TaskView): string {
  const hints = (view.awaiting ?? []).map((a) => `Waiting: ${a.hint}`);
  return [view.summaryText, ...hints, ...paging(view)].join('\n\n');
}

function paging(view: TaskView): string[] {
  if (view.nextStepOffset === undefined) return [];
  return [
    `Showing steps ${view.stepsOffset + 1}–${view.nextStepOffset} of ${view.stepsTotal}; call status ` +
      `{ taskId: "${view.id}", stepOffset: ${view.nextStepOffset} } for the next ones, or read ${taskUri(view.id)} for every step uncut.`,
  ];
}
