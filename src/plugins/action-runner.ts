import type { ActionRunner, InputParse, StepContext, StepResult } from '../engine/ports.js';
import { AGENT_OPTIONS_OF, agentAccess } from './agents.js';
import type { ActionContext, ActionResult } from './api.js';
import type { PluginRegistry } from './registry.js';
import { checkedOutcome } from './result.js';
import { processStart, reapGroups } from './processes.js';
import { createExec, type SandboxConfig } from './sandbox.js';

/**
 * The engine's action runner over the loaded plugins: a step's action gets the context the engine
 * built plus what only the plugin side has — the sandboxed `exec` and the plugin's options.
 */
export function createActionRunner(registry: PluginRegistry, sandbox: SandboxConfig): ActionRunner {
  return {
    parseInput(action, input): InputParse {
      const parsed = registry.parseInput(action, input);
      return parsed.success ? { ok: true, input: parsed.data } : { ok: false, problems: parsed.problems };
    },
    timeoutMs(action) {
      const plugin = registry.get(action);
      const configured = registry.options(action)['timeoutSeconds'];
      return typeof configured === 'number' && configured > 0 ? configured * 1000 : plugin?.timeoutMs;
    },
    async reap(groups) {
      return reapGroups(groups);
    },
    async run(action, input, context): Promise<StepResult> {
      const plugin = registry.get(action);
      if (!plugin) throw new Error(`No loaded plugin provides action "${action}".`);
      let result: ActionResult | undefined;
      let error: unknown;
      try {
        result = await plugin.run(input, actionContext(context, sandbox, registry.options(action), registry.options(AGENT_OPTIONS_OF)));
      } catch (caught) {
        error = caught;
      }
      // What a plugin returns is checked before the engine stores it: never a stuck task.
      const checked = checkedOutcome(action, result, error);
      if (checked.error !== undefined || checked.result === undefined) throw checked.error;
      // Data as it will be stored and read back (a Date becomes its ISO text), also while in memory.
      const { data } = checked.result;
      return data !== null && typeof data === 'object'
        ? { ...checked.result, data: JSON.parse(JSON.stringify(data)) as unknown }
        : checked.result;
    },
  };
}

function actionContext(
  context: StepContext,
  sandbox: SandboxConfig,
  options: Readonly<Record<string, unknown>>,
  agentOptions: Readonly<Record<string, unknown>>,
): ActionContext {
  const { allowedPaths, onProcess, ...rest } = context;
  const config = allowedPaths ? { ...sandbox, allowedPaths } : sandbox;
  const onSpawn = onProcess && ((pid: number) => onProcess({ pgid: pid, started: processStart(pid) ?? '' }));
  return {
    exec: createExec(config, context.workdir, context.signal, onSpawn),
    options,
    agents: agentAccess(agentOptions, config, context),
    ...rest,
  };
}
