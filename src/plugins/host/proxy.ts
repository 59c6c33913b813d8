import type { ActionPlugin, JsonSchemaInput } from '../api.js';
import type { PluginSource } from '../registry.js';
import type { PluginHost } from './plugin-host.js';

/**
 * The stand-in the registry holds for a hosted plugin: its metadata as the host reported it, and a
 * `run` that crosses to the host. Plan-time hooks cross through the source's `remote`; the
 * `planner.context` lines were fetched once, at load.
 */
export function hostedSource(host: PluginHost, file: string): PluginSource {
  const { meta } = host;
  const { hasContext, ...planner } = meta.planner;
  const lines = [...meta.contextLines];
  const plugin: ActionPlugin<unknown> = {
    apiVersion: 1,
    name: meta.name,
    description: meta.description,
    tier: meta.tier,
    input: meta.inputSchema as JsonSchemaInput,
    ...(meta.fromDescription ? { fromDescription: meta.fromDescription } : {}),
    ...(meta.timeoutMs !== undefined ? { timeoutMs: meta.timeoutMs } : {}),
    ...(meta.effects ? { effects: meta.effects } : {}),
    ...(meta.effectsMayLower ? { effectsMayLower: true } : {}),
    ...(meta.retry ? { retry: meta.retry } : {}),
    planner: { ...planner, ...(hasContext ? { context: () => lines } : {}) },
    run: (input, ctx) => host.run(input as Record<string, unknown>, ctx),
  };
  return { plugin, file, remote: host };
}
