import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { normalizeObjectSchema, objectFromShape } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { listedAnnotations, type ToolDefinition } from './definition.js';

/** Each tool as `tools/list` shows it, converted once per process (the schemas are module constants). */
const listed = new WeakMap<ToolDefinition, Tool>();

/**
 * Answers `tools/list` from tool entries converted once per process, the way the SDK converts them
 * (the same functions, the same options), instead of converting every tool's input and output
 * schema again for every session and every call: the status and plan output schemas are large, and
 * the runner opens a session per client. Call after the tools are registered.
 */
export function answerToolListOnce(mcp: McpServer, tools: readonly ToolDefinition[]): void {
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map(listedTool) }));
}

function listedTool(tool: ToolDefinition): Tool {
  let entry = listed.get(tool);
  if (!entry) {
    entry = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchemaOf(tool.inputSchema, 'input') as Tool['inputSchema'],
      annotations: listedAnnotations(tool),
      // What McpServer.registerTool records for a tool without task support.
      execution: { taskSupport: 'forbidden' },
      outputSchema: jsonSchemaOf(tool.outputSchema, 'output') as Tool['outputSchema'],
    };
    listed.set(tool, entry);
  }
  return entry;
}

function jsonSchemaOf(shape: Record<string, unknown>, io: 'input' | 'output'): Record<string, unknown> {
  const schema = normalizeObjectSchema(objectFromShape(shape as never));
  return schema
    ? (toJsonSchemaCompat(schema, { strictUnions: true, pipeStrategy: io }) as Record<string, unknown>)
    : { type: 'object', properties: {} };
}
