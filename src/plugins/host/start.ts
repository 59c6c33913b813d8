/**
 * Start-up of the plugins from --plugins folders: one host process per plugin file, all started at
 * once. A plugin that cannot load stops start-up with the loader's coded error naming its file,
 * the first in load order, after every host started is stopped again.
 */
import type { Logger } from 'pino';
import { OrchestrateError, errorMessage, isOrchestrateError } from '../../errors.js';
import { pluginEntries } from '../plugin-files.js';
import { pluginSettingsOf } from '../plugin-settings.js';
import type { PluginSource, RegistryOptions } from '../registry.js';
import { HostProcess } from './host-process.js';
import { PluginHost } from './plugin-host.js';
import type { HostedMeta, LoadRequest } from './protocol.js';
import { hostedSource } from './proxy.js';
import { discardWarmHosts } from './spawn.js';

/** The plugins of `dirs`, each running in a plugin host; close them with {@link closeHostedSources}. */
export async function hostPluginDirs(dirs: readonly string[], options: RegistryOptions, logger: Logger): Promise<PluginSource[]> {
  const files = dirs.flatMap((dir) => pluginEntries(dir));
  const settled = await Promise.allSettled(files.map((file) => startPlugin(file, dirs, options, logger)));
  // Hosts started ahead of time for files that are no longer there.
  discardWarmHosts();
  const hosts = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await Promise.all(hosts.map((host) => host.close()));
    throw failed.reason;
  }
  return hosts.map((host, index) => hostedSource(host, files[index] as string));
}

/** Stops the plugin hosts among `sources` (the others have nothing to stop). */
export async function closeHostedSources(sources: readonly PluginSource[]): Promise<void> {
  await Promise.all(sources.map((source) => source.remote?.close()));
}

async function startPlugin(file: string, dirs: readonly string[], options: RegistryOptions, logger: Logger): Promise<PluginHost> {
  const load: LoadRequest = {
    dirs,
    file,
    pluginOptions: options.pluginOptions,
    checkContext: {
      ...(options.allowlist ? { allowlist: options.allowlist } : {}),
      ...(options.forbidden ? { forbidden: options.forbidden } : {}),
    },
  };
  const first = new HostProcess({ file, dirs }, logger);
  let meta: HostedMeta;
  try {
    meta = await first.load(load);
  } catch (error) {
    await first.stop('its plugin did not load');
    throw startupError(file, error);
  }
  // The host checked these settings already; the heap limit is the server's to apply.
  const { memoryMb } = pluginSettingsOf(meta.name, options.pluginOptions[meta.name] ?? {}, file);
  if (memoryMb === undefined) return new PluginHost(meta, { file, dirs }, load, logger, first);
  // The heap limit is a flag of the process: the host that told us the name makes way for one started with it.
  await first.stop('its plugin has a memory limit');
  const host = new PluginHost(meta, { file, dirs, memoryMb }, load, logger);
  try {
    await host.start();
  } catch (error) {
    await host.close();
    throw startupError(file, error);
  }
  return host;
}

/** The loader's own coded errors pass as they are; a host that died while loading becomes PLUGIN_IMPORT_FAILED. */
function startupError(file: string, error: unknown): unknown {
  if (isOrchestrateError(error) && error.code !== 'PLUGIN_CRASHED') return error;
  return new OrchestrateError('PLUGIN_IMPORT_FAILED', `${file}: could not be imported: ${errorMessage(error)}`, {
    details: { file },
    cause: error,
  });
}
