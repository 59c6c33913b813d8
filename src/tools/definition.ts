import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import type { SessionChannel } from '../llm/session-channel.js';
import { toErrorResult } from './result.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a tool handler may use: the shared engine and the calling session. */
export interface ToolServices {
  engine: Engine;
  session: SessionChannel;
  logger: Logger;
  samplingTimeoutMs: number;
}

export interface ToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Shape;
  outputSchema: z.ZodRawShape;
  annotations: ToolAnnotations;
  handler(args: z.infer<z.ZodObject<Shape>>, extra: ToolExtra, services: ToolServices): Promise<CallToolResult>;
}

export function defineTool<Shape extends z.ZodRawShape>(tool: ToolDefinition<Shape>): ToolDefinition<Shape> {
  return tool;
}

/** Registers a tool; anything its handler throws becomes a coded `isError` result. */
export function registerTool(mcp: McpServer, tool: ToolDefinition, services: ToolServices): void {
  mcp.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args: Record<string, unknown>, extra: ToolExtra) => {
      try {
        // Whatever a step produced, or a planner wrote, secret values leave the server masked.
        return services.engine.masker.maskDeep(await tool.handler(args as never, extra, services));
      } catch (error) {
        services.logger.debug({ tool: tool.name, err: error instanceof Error ? error.message : String(error) }, 'tool error');
        return services.engine.masker.maskDeep(toErrorResult(error));
      }
    },
  );
}
