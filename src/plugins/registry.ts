import type { ActionCatalogue, ActionInfo, InputCheck, RequiredTier } from '../engine/catalogue.js';
import { OrchestrateError } from '../errors.js';
import type { ActionPlugin, CheckContext } from './api.js';
import { commandTier } from './command-risk.js';
import { inputSchemaOf, type InputParse, type InputSchema } from './input-schema.js';
import { contextLinesOf, listCommands, planCheck, type ListedCommands, type PlanCheck } from './plan-hooks.js';
import { configuredTimeoutMs, pluginSettingsOf, type PluginSettings } from './plugin-settings.js';

/** Per-plugin options from the config file, and the exec allowlist and forbidden binaries plan-time checks need. */
export interface RegistryOptions {
  /** `plugins.<name>` from the config: the plugin's options plus the server's keys (see plugin-settings.ts). */
  pluginOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  allowlist?: readonly string[];
  forbidden?: readonly string[];
  /** The step timeout of plugins that set none; `limits.timeoutSeconds` caps it. */
  stepTimeoutMs?: number;
}

/**
 * A plugin that lives in another process (a plugin host). Its `plugin` is a stand-in whose `run`
 * crosses to the host; plan-time hooks cross here, in one round trip per step.
 */
export interface RemotePlugin {
  /** Parses the input with the plugin's own schema, runs `check`, lists `commands`. */
  check(input: Record<string, unknown>, ctx: CheckContext): Promise<PlanCheck>;
  /** Whether the plugin declares `commands` (its steps' tier then depends on them). */
  readonly listsCommands: boolean;
  /** Stops the host process; the app that was given the source calls it on close. */
  close(): Promise<void>;
}

/** A plugin and the file it came from (built-ins say "built-in"); `remote` when it runs in a plugin host. */
export interface PluginSource {
  plugin: ActionPlugin<unknown>;
  file: string;
  remote?: RemotePlugin;
}

interface Entry {
  /** The plugin, with the configured step timeout when the config sets one. */
  plugin: ActionPlugin<unknown>;
  file: string;
  info: ActionInfo;
  schema: InputSchema;
  settings: PluginSettings;
  remote?: RemotePlugin;
}

/** Steps of a remote plugin are parsed in its host, at plan time and again when they run. */
const remoteSchema = (jsonSchema: unknown): InputSchema => ({
  jsonSchema: jsonSchema as Record<string, unknown>,
  parse: (input) => ({ success: true, data: input as Record<string, unknown> }),
});

/** The loaded action plugins, by name; the catalogue planning validates against. */
export class PluginRegistry implements ActionCatalogue {
  readonly #entries = new Map<string, Entry>();
  readonly #options: RegistryOptions;

  constructor(sources: readonly PluginSource[], options: RegistryOptions) {
    this.#options = options;
    for (const source of sources) this.#add(source);
    const untyped = [...this.#entries.values()].filter((entry) => entry.info.planner.untypedStepField !== undefined);
    if (untyped.length > 1) {
      const names = untyped.map((entry) => `${entry.plugin.name} (${entry.file})`).join(', ');
      throw new OrchestrateError('PLUGIN_INVALID', `Only one action may take steps written without an action; these all do: ${names}.`, {
        details: { file: untyped[1]?.file, problems: ['planner.untypedStepField: set by more than one plugin'] },
      });
    }
  }

  #add({ plugin, file, remote }: PluginSource): void {
    const earlier = this.#entries.get(plugin.name);
    if (earlier) {
      throw new OrchestrateError('PLUGIN_DUPLICATE', `${file}: an action named "${plugin.name}" is already loaded from ${earlier.file}.`, {
        details: { file, name: plugin.name, first: earlier.file },
      });
    }
    const schema = remote ? remoteSchema(plugin.input) : inputSchemaOf(plugin.input);
    const settings = pluginSettingsOf(plugin.name, this.#options.pluginOptions[plugin.name] ?? {}, file);
    // A remote plugin's options were checked in its host, against its own schema.
    if (!remote) checkOptions(plugin, settings.options, file);
    const timeoutMs = configuredTimeoutMs(settings, plugin.timeoutMs, this.#options.stepTimeoutMs);
    const effective =
      timeoutMs === undefined ? plugin : (Object.create(plugin, { timeoutMs: { value: timeoutMs } }) as ActionPlugin<unknown>);
    this.#entries.set(plugin.name, {
      plugin: effective,
      file,
      schema,
      settings,
      info: infoOf(plugin, schema, settings),
      ...(remote ? { remote } : {}),
    });
  }

  contextLines(): string[] {
    const lines = [...this.#entries.values()].flatMap(({ plugin }) => contextLinesOf(plugin, this.#checkContext(plugin.name)));
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

  /** The plugin's options: `plugins.<name>` without the server's keys. */
  options(name: string): Readonly<Record<string, unknown>> {
    return this.#entries.get(name)?.settings.options ?? {};
  }

  /** The plugins that run in plugin hosts (to be closed with the app). */
  remotes(): RemotePlugin[] {
    return [...this.#entries.values()].flatMap((entry) => (entry.remote ? [entry.remote] : []));
  }

  /** Validates a step input against the action's schema, filling defaults (a remote action's host does it when the step runs). */
  parseInput(action: string, input: Record<string, unknown>): InputParse {
    const entry = this.#entries.get(action);
    if (!entry) return { success: false, problems: [`action: unknown action "${action}"`] };
    return entry.schema.parse(input);
  }

  async checkInput(action: string, input: Record<string, unknown>): Promise<InputCheck> {
    const entry = this.#entries.get(action);
    if (!entry) return { ok: false, problems: [`action: unknown action "${action}"`] };
    const context = this.#checkContext(action);
    const checked = entry.remote ? await entry.remote.check(input, context) : planCheck(entry.plugin, entry.schema, input, context);
    if (!checked.ok) return checked;
    return {
      ok: true,
      input: checked.input,
      commands: 'lines' in checked.listed ? checked.listed.lines : [],
      required: tierOf(entry.plugin.tier, checked.listed),
    };
  }

  /**
   * The tier an in-process action's step needs. A remote action's commands are listed in its host:
   * ask `checkInput`; here such a step counts as destructive.
   */
  requiredTier(action: string, input: Record<string, unknown>): RequiredTier {
    const entry = this.#entries.get(action);
    if (!entry) return { tier: 'destructive', reasons: [`unknown action "${action}"`] };
    if (entry.remote?.listsCommands)
      return { tier: 'destructive', reasons: ['its command lines are listed by its plugin host, at plan time'] };
    return tierOf(entry.plugin.tier, entry.remote ? { lines: [] } : listCommands(entry.plugin, input));
  }
}

function tierOf(floor: ActionPlugin<unknown>['tier'], listed: ListedCommands): RequiredTier {
  // A step whose commands cannot be listed cannot be vouched for either.
  if ('error' in listed) return { tier: 'destructive', reasons: [`its command lines could not be listed: ${listed.error}`] };
  return commandTier(listed.lines, floor);
}

function infoOf(plugin: ActionPlugin<unknown>, schema: InputSchema, settings: PluginSettings): ActionInfo {
  const planner = plugin.planner ?? {};
  const retry = settings.retry ?? plugin.retry;
  return {
    name: plugin.name,
    description: plugin.description,
    tier: plugin.tier,
    inputSchema: schema.jsonSchema,
    effects: plugin.effects ?? (plugin.tier === 'read' ? 'idempotent' : 'side-effecting'),
    effectsMayLower: plugin.effectsMayLower === true,
    ...(retry ? { retry: { backoffSeconds: 1, maxBackoffSeconds: 60, ...retry } } : {}),
    ...(plugin.fromDescription ? { fromDescription: plugin.fromDescription } : {}),
    planner: {
      hints: planner.hints ?? [],
      repairHints: planner.repairHints ?? [],
      consumesPriorOutput: planner.consumesPriorOutput === true,
      ...(planner.untypedStepField ? { untypedStepField: planner.untypedStepField } : {}),
      fieldAliases: planner.fieldAliases ?? {},
      ...(planner.estimate ? { estimate: { ...planner.estimate } } : {}),
    },
  };
}

/** A plugin's options from the config, checked against its own options schema at start-up. */
export function checkOptions(plugin: ActionPlugin<unknown>, options: Readonly<Record<string, unknown>>, file: string): void {
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
