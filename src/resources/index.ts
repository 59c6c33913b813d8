import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Engine } from '../engine/engine.js';

/** The task list, task views and the action catalogue as MCP resources. */
export function registerResources(mcp: McpServer, engine: Engine): void {
  mcp.registerResource(
    'tasks',
    'orchestrate://tasks',
    { title: 'Tasks', description: 'Recent tasks, newest first', mimeType: 'application/json' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(engine.list(100, 0)) }] }),
  );
  mcp.registerResource(
    'task',
    new ResourceTemplate('orchestrate://tasks/{taskId}', { list: undefined }),
    { title: 'Task', description: 'A task with every step and full outputs', mimeType: 'application/json' },
    (uri, { taskId }) => {
      const view = engine.view(String(taskId), { full: true });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view) }] };
    },
  );
  mcp.registerResource(
    'actions',
    'orchestrate://actions',
    { title: 'Actions', description: 'The loaded action plugins: names, descriptions, input schemas, tiers', mimeType: 'application/json' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(engine.ctx.registry.list()) }] }),
  );
}
