import { approveTool } from './approve.js';
import { cancelTool } from './cancel.js';
import type { ToolDefinition } from './definition.js';
import { planTool } from './plan.js';
import { statusTool } from './status.js';

/** The tools, in the order clients list them. */
export const TOOLS: readonly ToolDefinition[] = [planTool, approveTool, statusTool, cancelTool] as unknown as ToolDefinition[];
