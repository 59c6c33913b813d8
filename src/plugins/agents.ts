import { delegateChain } from '../../plugins/lib/agent-chain.js';
import { agentInfos } from '../../plugins/lib/agent-roster.js';
import type { StepContext } from '../engine/ports.js';
import type { AgentAccess } from './api.js';
import { createExec, type SandboxConfig } from './sandbox.js';

/** Where the agent roster is configured: the options of the built-in action that delegates to agents. */
export const AGENT_OPTIONS_OF = 'implement';

/** How long a roster read from PATH is reused: discovery probes every PATH folder for every agent. */
const ROSTER_TTL_MS = 10_000;
const rosters = new WeakMap<object, { at: number; agents: ReturnType<typeof agentInfos> }>();

/** The roster for these options, discovered at most once every {@link ROSTER_TTL_MS}. */
function rosterFor(options: Readonly<Record<string, unknown>>): ReturnType<typeof agentInfos> {
  const cached = rosters.get(options);
  if (cached && Date.now() - cached.at < ROSTER_TTL_MS) return cached.agents.map((agent) => ({ ...agent }));
  const agents = agentInfos(options);
  rosters.set(options, { at: Date.now(), agents });
  return agents;
}

/**
 * `ctx.agents` of a step: the roster, and delegation through the configured chain in the step's
 * sandbox. Every agent run is counted as a delegation against the task's budgets first.
 */
export function agentAccess(options: Readonly<Record<string, unknown>>, sandbox: SandboxConfig, step: StepContext): AgentAccess {
  return {
    list: () => rosterFor(options),
    delegate(spec, given = {}) {
      const signal = given.signal ? AbortSignal.any([step.signal, given.signal]) : step.signal;
      return delegateChain(spec, given.agent ?? 'default', options, {
        exec: createExec(sandbox, step.workdir, signal),
        workdir: step.workdir,
        signal,
        progress: (message) => step.progress(message),
        beforeRun: () => step.budget.spend({ delegations: 1 }),
      });
    },
  };
}
