/**
 * A plugin's plan-time hooks, run the same way wherever the plugin lives: in the server (built-ins)
 * or in its plugin host (plugins from --plugins folders).
 */
import { errorMessage } from '../errors.js';
import type { ActionPlugin, CheckContext } from './api.js';
import type { InputSchema } from './input-schema.js';

/** The command lines a step runs, or why they could not be listed. */
export type ListedCommands = { lines: string[] } | { error: string };

/** A step input after the action's schema and `check`: normalised, with its command lines. */
export type PlanCheck = { ok: true; input: Record<string, unknown>; listed: ListedCommands } | { ok: false; problems: string[] };

/** Parses the input, runs `check`, then lists the commands: the whole plan-time round for one step. */
export function planCheck(plugin: ActionPlugin<unknown>, schema: InputSchema, input: unknown, ctx: CheckContext): PlanCheck {
  const parsed = schema.parse(input);
  if (!parsed.success) return { ok: false, problems: parsed.problems };
  let problems: unknown;
  try {
    problems = plugin.check?.(parsed.data, ctx);
  } catch (error) {
    problems = [`input: the ${plugin.name} plugin's check failed: ${errorMessage(error)}`];
  }
  if (Array.isArray(problems) && problems.length > 0) return { ok: false, problems: problems.map(String) };
  return { ok: true, input: parsed.data, listed: listCommands(plugin, parsed.data) };
}

export function listCommands(plugin: ActionPlugin<unknown> | undefined, input: Record<string, unknown>): ListedCommands {
  try {
    const lines: unknown = plugin?.commands?.(input) ?? [];
    if (!Array.isArray(lines)) return { error: 'commands() did not return an array' };
    return { lines: lines.filter((line): line is string => typeof line === 'string' && line.trim() !== '') };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** Lines for planners from `planner.context`; a plugin that cannot describe its context gives none. */
export function contextLinesOf(plugin: ActionPlugin<unknown>, ctx: CheckContext): string[] {
  try {
    const lines: unknown = plugin.planner?.context?.(ctx) ?? [];
    return Array.isArray(lines) ? lines.filter((line): line is string => typeof line === 'string') : [];
  } catch {
    return [];
  }
}
