import type { Config } from './config.js';
import type { RegistryOptions } from './plugins/registry.js';

/** What the plugin registry takes from the server config: per-plugin options, the exec rules plan-time checks use, the step timeout. */
export function registryOptionsOf(config: Pick<Config, 'pluginOptions' | 'exec' | 'stepTimeoutMs'>): RegistryOptions {
  return {
    pluginOptions: config.pluginOptions,
    ...(config.exec.allowlist ? { allowlist: config.exec.allowlist } : {}),
    forbidden: config.exec.forbidden,
    stepTimeoutMs: config.stepTimeoutMs,
  };
}
