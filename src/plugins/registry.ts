import type { ActionCatalogue, ActionInfo, InputCheck, RequiredTier } from '../engine/catalogue.js';
import { OrchestrateError, errorMessage } from '../errors.js';
import type { ActionPlugin, CheckContext } from './api.js';
import { commandTier } from './command-risk.js';
import { inputSchemaOf, type InputParse, type InputSchema } from './input-schema.js';

/** Per-plugin options from the config file, and the exec allowlist and forbidden binaries plan-time checks need. */
export interface RegistryOptions {
  pluginOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  allowlist?: readonly string[];
  forbidden?: readonly string[];
}

/** A plugin and the file it came from (built-ins say "built-in"). */
export interface PluginSource {
  plugin: ActionPlugin<unknown>;
  file: string;
}

interface Entry {
  plugin: ActionPlugin<unknown>;
  file: string;
  info: ActionInfo;
  schema: InputSchema;
}

/** The loaded action plugins, by name; the catalogue planning validates against. */
export class PluginRegistry implements ActionCatalogue {
  readonly #entries = new Map<string, Entry>();
  readonly #options: RegistryOptions;

  constructor(sources: readonly PluginSource[], options: RegistryOptions) {
    this.#options = options;
    for (const { plugin, file } of sources) {
      const earlier = this.#entries.get(plugin.name);
      if (earlier) {
        throw new OrchestrateError(
          'PLUGIN_DUPLICATE',
          `${file}: an action named "${plugin.name}" is already loaded from ${earlier.file}.`,
          {
            details: { file, name: plugin.name, first: earlier.file },
          },
        );
      }
      const schema = inputSchemaOf(plugin.input);
      checkOptions(plugin, options.pluginOptions[plugin.name] ?? {}, file);
      this.#entries.set(plugin.name, { plugin, file, schema, info: infoOf(plugin, schema) });
    }
    const untyped = [...this.#entries.values()].filter((entry) => entry.info.planner.untypedStepField !== undefined);
    if (untyped.length > 1) {
      const names = untyped.map((entry) => `${entry.plugin.name} (${entry.file})`).join(', ');
      throw new OrchestrateError('PLUGIN_INVALID', `Only one action may take steps written without an action; these all do: ${names}.`, {
        details: { file: untyped[1]?.file, problems: ['planner.untypedStepField: set by more than one plugin'] },
      });
    }
  }

  contextLines(): string[] {
    const lines: string[] = [];
    for (const { plugin } of this.#entries.values()) {
      try {
        lines.push(...(plugin.planner?.context?.(this.#checkContext(plugin.name)) ?? []));
      } catch {
        // A plugin that cannot describe its context leaves planners without that line, nothing worse.
      }
    }
    return [...new Set(lines)];
  }

  #checkContext(action: string): CheckContext {
    return {
      options: this.options(action),
      ...(this.#options.allowlist ? { allowlist: this.#options.allowlist } : {}),
      ...(this.#options.forbidden ? { forbidden: this.#options.forbidden } : {}),
    };
  }

  get(name: string): ActionPlugin<unknown> | undefined {
    return this.#entries.get(name)?.plugin;
  }

  has(action: string): boolean {
    return this.#entries.has(action);
  }

  info(action: string): ActionInfo | undefined {
    return this.#entries.get(action)?.info;
  }

  list(): ActionInfo[] {
    return [...this.#entries.values()].map((entry) => entry.info);
  }

  /** Where each action came from, in load order. */
  sources(): Array<{ name: string; file: string }> {
    return [...this.#entries.values()].map((entry) => ({ name: entry.plugin.name, file: entry.file }));
  }

  options(name: string): Readonly<Record<string, unknown>> {
    return this.#options.pluginOptions[name] ?? {};
  }

  /** Validates a step input against the action's schema, filling defaults. */
  parseInput(action: string, input: Record<string, unknown>): InputParse {
    const entry = this.#entries.get(action);
    if (!entry) return { success: false, problems: [`action: unknown action "${action}"`] };
    return entry.schema.parse(input);
  }

  async checkInput(action: string, input: Record<string, unknown>): Promise<InputCheck> {
    const parsed = this.parseInput(action, input);
    if (!parsed.success) return { ok: false, problems: parsed.problems };
    const plugin = this.#entries.get(action)?.plugin;
    let problems: string[] | undefined;
    try {
      problems = plugin?.check?.(parsed.data, this.#checkContext(action));
    } catch (error) {
      problems = [`input: the ${action} plugin's check failed: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (problems && problems.length > 0) return { ok: false, problems };
    const listed = this.#listCommands(action, parsed.data);
    return {
      ok: true,
      input: parsed.data,
      commands: 'lines' in listed ? listed.lines : [],
      required: this.requiredTier(action, parsed.data),
    };
  }

  requiredTier(action: string, input: Record<string, unknown>): RequiredTier {
    const floor = this.#entries.get(action)?.plugin.tier;
    if (floor === undefined) return { tier: 'destructive', reasons: [`unknown action "${action}"`] };
    const listed = this.#listCommands(action, input);
    // A step whose commands cannot be listed cannot be vouched for either.
    if ('error' in listed) return { tier: 'destructive', reasons: [`its command lines could not be listed: ${listed.error}`] };
    return commandTier(listed.lines, floor);
  }

  #listCommands(action: string, input: Record<string, unknown>): { lines: string[] } | { error: string } {
    const plugin = this.#entries.get(action)?.plugin;
    try {
      const lines = plugin?.commands?.(input) ?? [];
      if (!Array.isArray(lines)) return { error: 'commands() did not return an array' };
      return { lines: lines.filter((line): line is string => typeof line === 'string' && line.trim() !== '') };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }
}

function infoOf(plugin: ActionPlugin<unknown>, schema: InputSchema): ActionInfo {
  const planner = plugin.planner ?? {};
  return {
    name: plugin.name,
    description: plugin.description,
    tier: plugin.tier,
    inputSchema: schema.jsonSchema,
    ...(plugin.fromDescription ? { fromDescription: plugin.fromDescription } : {}),
    planner: {
      hints: planner.hints ?? [],
      repairHints: planner.repairHints ?? [],
      consumesPriorOutput: planner.consumesPriorOutput === true,
      ...(planner.untypedStepField ? { untypedStepField: planner.untypedStepField } : {}),
      fieldAliases: planner.fieldAliases ?? {},
    },
  };
}

/** A plugin's options from the config, checked against its own options schema at start-up. */
function checkOptions(plugin: ActionPlugin<unknown>, options: Readonly<Record<string, unknown>>, file: string): void {
  if (!plugin.options) return;
  const parsed = inputSchemaOf(plugin.options).parse(options);
  if (parsed.success) return;
  const problems = parsed.problems.map((problem) =>
    problem.startsWith('input:') ? `plugins.${plugin.name}${problem.slice('input'.length)}` : `plugins.${plugin.name}.${problem}`,
  );
  throw new OrchestrateError(
    'CONFIG_INVALID',
    `The options of the ${plugin.name} plugin (${file}) are invalid:\n  - ${problems.join('\n  - ')}`,
    {
      details: { file, plugin: plugin.name, problems },
    },
  );
}
