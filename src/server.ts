import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { packageVersion } from './version.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApprovalSettings } from './approval/policy.js';
import { systemClock, type Clock } from './clock.js';
import type { Engine } from './engine/engine.js';
import type { BackgroundStream } from './session/background.js';
import { SessionChannel } from './session/session-channel.js';
import { registerResources } from './resources/index.js';
import { registerTool } from './tools/definition.js';
import { TOOLS } from './tools/index.js';
import { answerToolListOnce } from './tools/tool-list.js';

export const SERVER_NAME = 'orchestrate-mcp';
export const SERVER_VERSION = packageVersion();

export interface ServerDeps {
  engine: Engine;
  /** Who may approve, and how long a plan form waits. */
  approval: ApprovalSettings;
  clock?: Clock;
  logger: Logger;
  samplingTimeoutMs: number;
  /** Whether background requests can reach this client now (Streamable HTTP: its GET stream); default always. */
  background?: BackgroundStream;
}

export interface Session {
  mcp: McpServer;
  channel: SessionChannel;
}

const INSTRUCTIONS =
  'orchestrate-mcp plans, runs and reports multi-step work. Call plan with the request; show the plan to the ' +
  'user and call approve only when they agree; follow the task with status (waitUntil "change" long-polls); ' +
  'cancel stops it. Destructive and external steps wait for the user: a form the client shows, or, ' +
  'for clients without forms, approve with taskId and stepId after the user agrees.';

/** One MCP server for one client connection, over the shared engine. Does no I/O. */
export function createServer(deps: ServerDeps): Session {
  const mcp = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );
  const channel = new SessionChannel(mcp, deps.samplingTimeoutMs, deps.background, deps.engine.masker);
  const services = {
    engine: deps.engine,
    session: channel,
    logger: deps.logger,
    clock: deps.clock ?? systemClock,
    samplingTimeoutMs: deps.samplingTimeoutMs,
    approval: deps.approval,
  };
  for (const tool of TOOLS) registerTool(mcp, tool, services);
  answerToolListOnce(mcp, TOOLS);
  const subscriptions = registerResources(mcp, deps.engine);
  mcp.registerPrompt(
    'plan_request',
    {
      title: 'Plan a request',
      description: 'The decomposition prompt the server uses, for hosts that plan with their own model.',
      argsSchema: { request: z.string().max(100_000).describe('What to do') },
    },
    async ({ request }) => {
      const prompt = await deps.engine.planningPrompt(request, {});
      const text = deps.engine.masker.mask(`${prompt.systemPrompt}\n\n${prompt.userMessage}`);
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
  mcp.server.onclose = () => {
    channel.close();
    deps.engine.sessions.detach(channel);
    subscriptions.close();
  };
  // SDK 1.32.2 clients ignore a cancellation for request id 0, so the first server→client request
  // of a session could never be cancelled: spend id 0 on a ping, before any sampling request.
  mcp.server.oninitialized = () => {
    // Only now is the session a client tasks can be routed to (its capabilities are known).
    deps.engine.sessions.attach(channel);
    mcp.server.ping().catch(() => {});
    // Ask for the workspace roots early, so the first plan does not wait for them.
    if (channel.roots.supported()) void channel.roots.get();
  };
  return { mcp, channel };
}
