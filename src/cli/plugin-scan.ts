/**
 * Loads the built-in actions and the plugin folders the way a starting server does, but keeps
 * going after a folder fails, so one run names every folder with a problem.
 */
import { ERROR_CODES, errorMessage, isOrchestrateError } from '../errors.js';
import { builtinPlugins } from '../plugins/builtins.js';
import { inputSchemaOf } from '../plugins/input-schema.js';
import { loadPluginDirs } from '../plugins/loader.js';
import { PluginRegistry, type PluginSource, type RegistryOptions } from '../plugins/registry.js';

export interface ActionEntry {
  name: string;
  tier: string;
  description: string;
  /** The plugin file, or "built-in". */
  file: string;
  inputSchema: Record<string, unknown>;
}

export interface PluginProblem {
  code: string;
  message: string;
  /** The file or folder the problem is in. */
  file: string;
  hint?: string;
}

export interface PluginScan {
  actions: ActionEntry[];
  /** Actions each folder contributed, in the order given. */
  dirs: Array<{ dir: string; actions: string[] }>;
  problems: PluginProblem[];
}

export async function scanPlugins(dirs: readonly string[], options: RegistryOptions): Promise<PluginScan> {
  const sources: PluginSource[] = builtinPlugins().map((plugin) => ({ plugin, file: 'built-in' }));
  const problems: PluginProblem[] = [];
  const perDir: PluginScan['dirs'] = [];
  for (const dir of dirs) {
    try {
      const loaded = await loadPluginDirs([dir]);
      sources.push(...loaded);
      perDir.push({ dir, actions: loaded.map((source) => source.plugin.name) });
    } catch (error) {
      problems.push(problemOf(error, dir));
      perDir.push({ dir, actions: [] });
    }
  }
  const registry = buildRegistry(withCompilingSchemas(sources, problems), options, problems);
  const files = new Map(registry.sources().map((source) => [source.name, source.file]));
  const actions = registry.list().map((info) => ({
    name: info.name,
    tier: info.tier,
    description: info.description,
    file: files.get(info.name) ?? 'built-in',
    inputSchema: info.inputSchema,
  }));
  return { actions, dirs: perDir, problems };
}

/** The sources whose input schema compiles; a JSON Schema ajv rejects would fail every plan that uses the action. */
function withCompilingSchemas(sources: readonly PluginSource[], problems: PluginProblem[]): PluginSource[] {
  return sources.filter(({ plugin, file }) => {
    try {
      inputSchemaOf(plugin.input);
      return true;
    } catch (error) {
      problems.push({
        code: 'PLUGIN_INVALID',
        message: `${file}: the input schema of "${plugin.name}" does not compile: ${errorMessage(error)}`,
        file,
        hint: ERROR_CODES.PLUGIN_INVALID,
      });
      return false;
    }
  });
}

/** The registry of every source that can join it: a later plugin with a taken name is reported and left out. */
function buildRegistry(sources: PluginSource[], options: RegistryOptions, problems: PluginProblem[]): PluginRegistry {
  for (;;) {
    try {
      return new PluginRegistry(sources, options);
    } catch (error) {
      if (!isOrchestrateError(error) || error.code !== 'PLUGIN_DUPLICATE') throw error;
      problems.push(problemOf(error, 'plugins'));
      const index = sources.findIndex((source) => source.file === error.details.file && source.plugin.name === error.details.name);
      if (index < 0) throw error;
      sources.splice(index, 1);
    }
  }
}

function problemOf(error: unknown, fallbackFile: string): PluginProblem {
  if (!isOrchestrateError(error)) return { code: 'PLUGIN_IMPORT_FAILED', message: errorMessage(error), file: fallbackFile };
  const file = typeof error.details.file === 'string' ? error.details.file : fallbackFile;
  return { code: error.code, message: error.message, file, hint: error.hint };
}
