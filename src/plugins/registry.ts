import { z } from 'zod';
import type { ActionCatalogue, ActionInfo, InputCheck } from '../engine/catalogue.js';
import type { ActionPlugin } from './api.js';

/** Per-plugin options from the config file, and the exec allowlist plan-time checks need. */
export interface RegistryOptions {
  pluginOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  allowlist?: readonly string[];
}

/** The loaded action plugins, by name; the catalogue planning validates against. */
export class PluginRegistry implements ActionCatalogue {
  readonly #plugins = new Map<string, ActionPlugin<unknown>>();
  readonly #infos = new Map<string, ActionInfo>();
  readonly #options: RegistryOptions;

  constructor(plugins: ReadonlyArray<ActionPlugin<unknown>>, options: RegistryOptions) {
    this.#options = options;
    for (const plugin of plugins) {
      if (this.#plugins.has(plugin.name)) throw new Error(`Two plugins are named "${plugin.name}".`);
      this.#plugins.set(plugin.name, plugin);
      this.#infos.set(plugin.name, {
        name: plugin.name,
        description: plugin.description,
        tier: plugin.tier,
        inputSchema: z.toJSONSchema(plugin.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
        ...(plugin.fromDescription ? { fromDescription: plugin.fromDescription } : {}),
      });
    }
  }

  get(name: string): ActionPlugin<unknown> | undefined {
    return this.#plugins.get(name);
  }

  has(action: string): boolean {
    return this.#plugins.has(action);
  }

  info(action: string): ActionInfo | undefined {
    return this.#infos.get(action);
  }

  list(): ActionInfo[] {
    return [...this.#infos.values()];
  }

  options(name: string): Readonly<Record<string, unknown>> {
    return this.#options.pluginOptions[name] ?? {};
  }

  checkInput(action: string, input: Record<string, unknown>): InputCheck {
    const plugin = this.#plugins.get(action);
    if (!plugin) return { ok: false, problems: [`action: unknown action "${action}"`] };
    const parsed = plugin.input.safeParse(input);
    if (!parsed.success) {
      return {
        ok: false,
        problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`),
      };
    }
    const problems = plugin.check?.(parsed.data, {
      options: this.options(action),
      ...(this.#options.allowlist ? { allowlist: this.#options.allowlist } : {}),
    });
    if (problems && problems.length > 0) return { ok: false, problems };
    return { ok: true, input: parsed.data as Record<string, unknown> };
  }
}
