import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApprovalSettings } from '../approval/policy.js';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { isOrchestrateError } from '../errors.js';
import type { RequestExtra } from '../session/extra.js';
import type { SessionChannel } from '../session/session-channel.js';
import { toErrorResult } from './result.js';

export type ToolExtra = RequestExtra;

/** What a tool handler may use: the shared engine, the calling session and the approval settings. */
export interface ToolServices {
  engine: Engine;
  session: SessionChannel;
  logger: Logger;
  clock: Clock;
  samplingTimeoutMs: number;
  approval: ApprovalSettings;
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

/** A tool's annotations as clients see them: its title, then its hints. */
export function listedAnnotations(tool: ToolDefinition): ToolAnnotations {
  return { title: tool.title, ...tool.annotations };
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
      annotations: listedAnnotations(tool),
    },
    async (args: Record<string, unknown>, extra: ToolExtra) => {
      try {
        // Whatever a step produced, or a planner wrote, secret values leave the server masked.
        return services.engine.masker.maskDeep(await tool.handler(args as never, extra, services));
      } catch (error) {
        if (isOrchestrateError(error)) services.logger.debug({ tool: tool.name, err: error.message }, 'tool error');
        // Unexpected: the stack goes to the log, the client gets INTERNAL_ERROR without internal text.
        else
          services.logger.error({ tool: tool.name, err: error instanceof Error ? error.stack : String(error) }, 'tool failed unexpectedly');
        return services.engine.masker.maskDeep(toErrorResult(error));
      }
    },
  );
}
