import { OrchestrateError, errorMessage } from '../errors.js';
import { pluginEntries } from './plugin-files.js';
import { preparePluginImports } from './plugin-imports.js';
import type { PluginSource } from './registry.js';
import { validatePlugin } from './validate.js';

/**
 * Loads the action plugins of the given folders: folders in the order given, entries of a folder
 * in sorted order; `.js`, `.mjs`, `.ts`, `.mts` files and folders with a package.json. TypeScript
 * loads through tsx, imported only when a `.ts` / `.mts` entry is present. The first failure stops
 * loading with a coded error naming the file.
 */
export async function loadPluginDirs(dirs: readonly string[]): Promise<PluginSource[]> {
  return loadPluginFiles(
    dirs,
    dirs.flatMap((dir) => pluginEntries(dir)),
  );
}

/** Loads the given entry files of plugin folders `dirs` (see {@link pluginEntries}), in order. */
export async function loadPluginFiles(dirs: readonly string[], files: readonly string[]): Promise<PluginSource[]> {
  if (files.length === 0) return [];
  const importFile = await preparePluginImports(dirs, files);
  const loaded: PluginSource[] = [];
  for (const file of files) {
    let module: { default?: unknown };
    try {
      module = await importFile(file);
    } catch (error) {
      throw new OrchestrateError('PLUGIN_IMPORT_FAILED', `${file}: could not be imported: ${errorMessage(error)}`, {
        details: { file },
        cause: error,
      });
    }
    loaded.push({ plugin: validatePlugin(module.default, file), file });
  }
  return loaded;
}
