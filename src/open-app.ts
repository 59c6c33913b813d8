/**
 * Opening the app of a serving process (inline or the background runner). The plugin hosts are
 * started first and the rest of the app is loaded while they boot: two processes on two cores
 * instead of one start after the other.
 */
import type { Logger } from 'pino';
import type { App } from './app.js';
import type { Config } from './config.js';
import type { PluginSource } from './plugins/registry.js';
import { registryOptionsOf } from './registry-options.js';

/**
 * The app of a serving process: built-ins in this process, every plugin of the config's plugin
 * folders in a plugin host of its own. Start-up errors stop the hosts already started.
 */
export async function openApp(config: Readonly<Config>, options: { logger: Logger }): Promise<App> {
  const hosting = hostedPlugins(config, options.logger);
  // Settled on its own so a failing host start is seen even while the app's modules load.
  hosting.catch(() => {});
  const { createApp } = await import('./app.js');
  const { hosted, close } = await hosting;
  try {
    return createApp(config, { ...options, plugins: hosted });
  } catch (error) {
    await close();
    throw error;
  }
}

async function hostedPlugins(config: Readonly<Config>, logger: Logger): Promise<{ hosted: PluginSource[]; close: () => Promise<void> }> {
  if (config.pluginDirs.length === 0) return { hosted: [], close: async () => {} };
  const { closeHostedSources, hostPluginDirs } = await import('./plugins/host/start.js');
  const hosted = await hostPluginDirs(config.pluginDirs, registryOptionsOf(config), logger);
  return { hosted, close: () => closeHostedSources(hosted) };
}
