/**
 * Host side: the one plugin a host process serves. Loads it with the server's loader, answers
 * plan-time checks, runs steps, and checks their results before they leave the process.
 */
import type { ActionPlugin, ActionResult } from '../api.js';
import { inputSchemaOf, type InputSchema } from '../input-schema.js';
import { loadPluginFiles } from '../loader.js';
import { contextLinesOf, planCheck, type PlanCheck } from '../plan-hooks.js';
import { pluginSettingsOf } from '../plugin-settings.js';
import { checkOptions } from '../registry.js';
import { checkedOutcome } from '../result.js';
import { hostContext } from './host-context.js';
import type { Peer } from './peer.js';
import type { CheckRequest, HostedMeta, LoadRequest, RunRequest } from './protocol.js';

export class HostedPlugin {
  readonly #peer: Peer;
  #plugin: ActionPlugin<unknown> | undefined;
  #schema: InputSchema | undefined;
  /** Running steps by the id of their run request. */
  readonly #runs = new Map<number, AbortController>();

  constructor(peer: Peer) {
    this.#peer = peer;
  }

  /** Loads the file and checks the plugin's options; failures are the loader's coded start-up errors. */
  async load(request: LoadRequest): Promise<HostedMeta> {
    const [source] = await loadPluginFiles(request.dirs, [request.file]);
    if (!source) throw new Error(`${request.file}: no plugin loaded`);
    const { plugin } = source;
    const settings = pluginSettingsOf(plugin.name, request.pluginOptions[plugin.name] ?? {}, request.file);
    checkOptions(plugin, settings.options, request.file);
    const schema = inputSchemaOf(plugin.input);
    this.#plugin = plugin;
    this.#schema = schema;
    const { context, ...planner } = plugin.planner ?? {};
    return {
      name: plugin.name,
      description: plugin.description,
      tier: plugin.tier,
      inputSchema: schema.jsonSchema,
      ...(plugin.fromDescription ? { fromDescription: plugin.fromDescription } : {}),
      ...(plugin.timeoutMs !== undefined ? { timeoutMs: plugin.timeoutMs } : {}),
      ...(plugin.effects ? { effects: plugin.effects } : {}),
      ...(plugin.effectsMayLower ? { effectsMayLower: true } : {}),
      ...(plugin.retry ? { retry: plugin.retry } : {}),
      planner: { ...planner, hasContext: typeof context === 'function' },
      contextLines: contextLinesOf(plugin, { ...request.checkContext, options: settings.options }),
      ...(plugin.options ? { optionsSchema: inputSchemaOf(plugin.options).jsonSchema } : {}),
      hooks: { check: typeof plugin.check === 'function', commands: typeof plugin.commands === 'function' },
    };
  }

  check(request: CheckRequest): PlanCheck {
    return planCheck(this.#loaded(), this.#schema as InputSchema, request.input, request.checkContext);
  }

  async run(id: number, request: RunRequest): Promise<ActionResult | undefined> {
    const plugin = this.#loaded();
    const controller = new AbortController();
    this.#runs.set(id, controller);
    let result: ActionResult | undefined;
    let error: unknown;
    try {
      const parsed = (this.#schema as InputSchema).parse(request.input);
      if (!parsed.success) throw new Error(`The step input no longer fits the ${plugin.name} action: ${parsed.problems.join('; ')}`);
      result = await plugin.run(parsed.data, hostContext(id, request, controller.signal, this.#peer));
    } catch (caught) {
      error = caught;
    } finally {
      this.#runs.delete(id);
    }
    // Checked here too: what JSON cannot carry would otherwise be lost or refused on the way out.
    const outcome = checkedOutcome(plugin.name, result, error);
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.result;
  }

  abort(id: number, reason: string): void {
    const error = new Error(reason);
    error.name = 'AbortError';
    this.#runs.get(id)?.abort(error);
  }

  #loaded(): ActionPlugin<unknown> {
    if (!this.#plugin) throw new Error('The plugin host has not loaded its plugin yet.');
    return this.#plugin;
  }
}
