import { z } from 'zod';
import { OrchestrateError } from '../errors.js';
import { RetryPolicySchema } from '../engine/model.js';
import { API_VERSION, type ActionPlugin } from './api.js';

/** What an action name may be: it is the step `action` planners write. */
export const PLUGIN_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

const pluginShape = z.object({
  apiVersion: z.number(),
  name: z.string().regex(PLUGIN_NAME, 'must be lower-case letters, digits, "_" or "-", starting with a letter (max 64)'),
  description: z.string().trim().min(1, 'must say what the action does: planners read it').max(2_000),
  tier: z.enum(['read', 'write', 'execute', 'destructive', 'external']),
  input: z.custom<unknown>(isSchema, 'must be a zod schema or a JSON Schema object ({ type: "object", … })'),
  run: z.custom<unknown>((value) => typeof value === 'function', 'must be a function (input, ctx) => Promise<result>'),
  check: z.custom<unknown>((value) => value === undefined || typeof value === 'function', 'must be a function when given').optional(),
  commands: z.custom<unknown>((value) => value === undefined || typeof value === 'function', 'must be a function when given').optional(),
  planner: z
    .object({
      hints: z.array(z.string().max(2_000)).max(20).optional(),
      repairHints: z.array(z.string().max(2_000)).max(20).optional(),
      consumesPriorOutput: z.boolean().optional(),
      untypedStepField: z.string().min(1).optional(),
      fieldAliases: z.record(z.string(), z.string()).optional(),
      estimate: z.object({ tokens: z.int().min(0).optional(), delegations: z.int().min(0).optional() }).optional(),
      context: z.custom<unknown>((value) => value === undefined || typeof value === 'function', 'must be a function when given').optional(),
    })
    .optional(),
  options: z.custom<unknown>((value) => value === undefined || isSchema(value), 'must be a zod schema or a JSON Schema object').optional(),
  effects: z.enum(['none', 'idempotent', 'side-effecting']).optional(),
  effectsMayLower: z.boolean().optional(),
  retry: RetryPolicySchema.partial({ backoffSeconds: true, maxBackoffSeconds: true }).optional(),
  fromDescription: z.string().min(1).optional(),
  timeoutMs: z.number().positive().max(86_400_000).optional(),
});

/** Checks a plugin file's default export; throws the coded start-up error naming the file. */
export function validatePlugin(exported: unknown, file: string): ActionPlugin<unknown> {
  if (!exported || typeof exported !== 'object') {
    throw new OrchestrateError('PLUGIN_INVALID', `${file}: the default export must be a plugin object, not ${describe(exported)}.`, {
      details: { file, problems: ['default export: missing or not an object'] },
    });
  }
  const apiVersion = (exported as { apiVersion?: unknown }).apiVersion;
  if (typeof apiVersion === 'number' && apiVersion !== API_VERSION) {
    throw new OrchestrateError(
      'PLUGIN_API_MISMATCH',
      `${file}: written for plugin API ${apiVersion}; this server speaks API ${API_VERSION}. Use a version of the plugin for API ${API_VERSION}, or upgrade orchestrate-mcp.`,
      { details: { file, apiVersion, expected: API_VERSION } },
    );
  }
  const parsed = pluginShape.safeParse(exported);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'plugin'}: ${issue.message}`);
    throw new OrchestrateError('PLUGIN_INVALID', `${file}: not a valid action plugin:\n  - ${problems.join('\n  - ')}`, {
      details: { file, problems },
    });
  }
  return exported as ActionPlugin<unknown>;
}

function isSchema(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  if (typeof (value as { safeParse?: unknown }).safeParse === 'function') return true;
  return (value as { type?: unknown }).type === 'object';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (no default export)';
  return `a ${typeof value}`;
}
