import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { Engine } from '../engine/engine.js';
import type { Masker } from '../secrets.js';
import { readActions, readAudit, readBudgets, readTask, readTasks, recentTasks, TASKS_RESOURCE_LIMIT } from './read.js';
import { ResourceSubscriptions } from './subscriptions.js';
import { ACTIONS_URI, AUDIT_TEMPLATE, BUDGETS_URI, TASK_TEMPLATE, TASKS_URI, taskUri } from './uris.js';

const JSON_MIME = 'application/json';

function json(uri: URL, value: unknown, masker: Masker): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: JSON_MIME, text: JSON.stringify(masker.maskDeep(value)) }] };
}

/**
 * The task list, task views, audit logs and the action catalogue as MCP resources, with
 * per-session subscriptions. Call before `connect()`; close the returned subscriptions with the session.
 */
export function registerResources(mcp: McpServer, engine: Engine): ResourceSubscriptions {
  const taskIds = async (value: string) => (await recentTasks(engine)).map((t) => t.id).filter((id) => id.startsWith(value));
  mcp.registerResource(
    'tasks',
    TASKS_URI,
    {
      title: 'Tasks',
      description: `The newest ${TASKS_RESOURCE_LIMIT} tasks, newest first, with the total count; page older ones with the status tool.`,
      mimeType: JSON_MIME,
    },
    async (uri) => json(uri, await readTasks(engine), engine.masker),
  );
  mcp.registerResource(
    'task',
    new ResourceTemplate(TASK_TEMPLATE, {
      list: async () => ({
        resources: (await recentTasks(engine)).map((t) => ({
          uri: taskUri(t.id),
          name: t.id,
          title: t.request.slice(0, 80),
          mimeType: JSON_MIME,
        })),
      }),
      complete: { taskId: taskIds },
    }),
    { title: 'Task', description: 'A task with every step and full, uncapped outputs (TaskView JSON)', mimeType: JSON_MIME },
    async (uri, { taskId }) => json(uri, await readTask(engine, uri.href, String(taskId)), engine.masker),
  );
  mcp.registerResource(
    'task-audit',
    new ResourceTemplate(AUDIT_TEMPLATE, { list: undefined, complete: { taskId: taskIds } }),
    { title: 'Task audit', description: "A task's audit log and its phase history, oldest first", mimeType: JSON_MIME },
    async (uri, { taskId }) => json(uri, await readAudit(engine, uri.href, String(taskId)), engine.masker),
  );
  mcp.registerResource(
    'actions',
    ACTIONS_URI,
    { title: 'Actions', description: 'The loaded action plugins: names, descriptions, input schemas, tiers', mimeType: JSON_MIME },
    (uri) => json(uri, readActions(engine), engine.masker),
  );
  mcp.registerResource(
    'budgets',
    BUDGETS_URI,
    {
      title: 'Budgets',
      description: "Today's (UTC) spend of tokens, wall time and coding-agent delegations against the per-day budgets, and every limit",
      mimeType: JSON_MIME,
    },
    async (uri) => json(uri, await readBudgets(engine), engine.masker),
  );

  const subscriptions = new ResourceSubscriptions(mcp, engine);
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    await subscriptions.subscribe(request.params.uri);
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.unsubscribe(request.params.uri);
    return {};
  });
  return subscriptions;
}
