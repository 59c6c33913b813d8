/**
 * `plugins.<name>` in the config file is the plugin's options object, except for the keys the server
 * keeps for itself: `timeoutSeconds`, `limits` and `retry`. Those are taken out before the
 * plugin sees its options or checks them against its options schema.
 */
import { z } from 'zod';
import { RetryPolicySchema, type RetryPolicy } from '../engine/model.js';
import { OrchestrateError } from '../errors.js';

export const SERVER_KEYS = ['timeoutSeconds', 'limits', 'retry'] as const;

const serverSettings = z.object({
  timeoutSeconds: z.number().positive().max(86_400).optional(),
  limits: z
    .strictObject({
      /** Heap limit of the plugin's host process (`--max-old-space-size`). */
      memoryMb: z.number().int().min(16).max(1_048_576).optional(),
      /** Longest a step may run in the plugin's host; a step that ignores its signal then has its host killed. */
      timeoutSeconds: z.number().positive().max(86_400).optional(),
    })
    .optional(),
  /** How failed steps of this action are tried again (overrides the plugin's default; a step's own wins). */
  retry: RetryPolicySchema.partial({ backoffSeconds: true, maxBackoffSeconds: true }).strict().optional(),
});

export interface PluginSettings {
  /** What the plugin sees as `ctx.options` and validates against its options schema. */
  options: Readonly<Record<string, unknown>>;
  /** `plugins.<name>.timeoutSeconds`: overrides the plugin's own `timeoutMs`. */
  timeoutSeconds?: number;
  memoryMb?: number;
  /** `plugins.<name>.limits.timeoutSeconds`: the most any step of the plugin may run. */
  limitSeconds?: number;
  /** `plugins.<name>.retry`. */
  retry?: Pick<RetryPolicy, 'attempts'> & Partial<RetryPolicy>;
}

/**
 * Splits `plugins.<name>` into the server's settings and the plugin's options; throws CONFIG_INVALID
 * naming the field. A memory limit needs a process of its own, so built-in actions cannot have one.
 */
export function pluginSettingsOf(name: string, raw: Readonly<Record<string, unknown>>, file: string): PluginSettings {
  const parsed = serverSettings.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `plugins.${name}.${issue.path.map(String).join('.')}: ${issue.message}`);
  if (parsed.success && parsed.data.limits?.memoryMb !== undefined && file === 'built-in') {
    problems.push(
      `plugins.${name}.limits.memoryMb: built-in actions run inside the server; only plugins from --plugins folders have a host process to limit`,
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new OrchestrateError(
      'CONFIG_INVALID',
      `The settings of the ${name} plugin (${file}) are invalid:\n  - ${problems.join('\n  - ')}`,
      {
        details: { file, plugin: name, problems },
      },
    );
  }
  const options = Object.fromEntries(Object.entries(raw).filter(([key]) => !(SERVER_KEYS as readonly string[]).includes(key)));
  const { timeoutSeconds, limits, retry } = parsed.data;
  return {
    options: Object.freeze(options),
    ...(retry ? { retry } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(limits?.memoryMb !== undefined ? { memoryMb: limits.memoryMb } : {}),
    ...(limits?.timeoutSeconds !== undefined ? { limitSeconds: limits.timeoutSeconds } : {}),
  };
}

/**
 * The longest a step of the plugin may run: `timeoutSeconds`, else the plugin's `timeoutMs`, else the
 * server default; never more than `limits.timeoutSeconds`. Undefined when the config changes nothing.
 */
export function configuredTimeoutMs(
  settings: PluginSettings,
  pluginTimeoutMs: number | undefined,
  defaultMs: number | undefined,
): number | undefined {
  if (settings.timeoutSeconds === undefined && settings.limitSeconds === undefined) return undefined;
  const chosen = settings.timeoutSeconds !== undefined ? settings.timeoutSeconds * 1000 : (pluginTimeoutMs ?? defaultMs);
  const limit = settings.limitSeconds === undefined ? Infinity : settings.limitSeconds * 1000;
  return Math.min(chosen ?? Infinity, limit);
}
