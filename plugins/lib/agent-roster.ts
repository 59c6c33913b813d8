/**
 * The coding agents of a server, from `plugins.implement` in its config: configured agents (in
 * config order) and the known agent CLIs found on the search path. Used by the implement action
 * and by `ctx.agents` of every plugin.
 */
import { z } from 'zod';
import type { AgentInfo } from '../../src/plugins/api.js';
import { discoverAgents } from './agent-discovery.js';

const agentSchema = z.object({
  command: z.string().min(1).describe('The agent CLI to run, e.g. "claude"'),
  args: z.array(z.string()).default(['{spec}']).describe('Arguments; {spec} and {workdir} are filled in'),
  timeoutSeconds: z.number().positive().optional(),
  aliases: z.array(z.string()).default([]),
  /** Variables set for this agent (steps start from a minimal environment, not the server's). */
  env: z.record(z.string(), z.string()).default({}),
  /** Server environment variables this agent may see, e.g. its API key. */
  envPassthrough: z.array(z.string()).default([]),
});

/** `plugins.implement` in the server config. */
export const agentOptionsSchema = z.object({
  /** Agents by name; they replace discovered agents of the same name. */
  agents: z.record(z.string(), agentSchema).default({}),
  /** The agent a step gets when it names none (or "default"). */
  default: z.string().optional(),
  /** Agents tried in order when the chosen one fails in a way another might not. */
  fallbacks: z.array(z.string()).default([]),
  retryOnTimeout: z.boolean().default(true),
  /** Register known agent CLIs (claude, codex, aider, gemini, opencode) found on the search path. */
  discover: z.boolean().default(true),
  /** The search path for discovery, PATH-style; defaults to the server's PATH. */
  path: z.string().optional(),
  /** Per-run timeout of agents that do not set their own. */
  timeoutSeconds: z.number().positive().default(300),
});

export type AgentOptions = z.infer<typeof agentOptionsSchema>;

export interface Agent {
  command: string;
  args: readonly string[];
  timeoutSeconds: number;
  aliases: readonly string[];
  env?: Record<string, string>;
  envPassthrough?: readonly string[];
  source: AgentInfo['source'];
}

/** Every agent a step may name: configured ones first (in config order), then discovered ones. */
export type Roster = Map<string, Agent>;

export const NO_AGENTS =
  'No specialist agents are configured — install one (e.g. claude-code, aider, codex) on your PATH ' +
  'or add one under `plugins.implement.agents` in the config.';

export function rosterOf(options: AgentOptions): Roster {
  const roster: Roster = new Map();
  for (const [name, agent] of Object.entries(options.agents)) {
    roster.set(name, { ...agent, timeoutSeconds: agent.timeoutSeconds ?? options.timeoutSeconds, source: 'configured' });
  }
  if (!options.discover) return roster;
  // The one read of the environment in a plugin: discovery is about this machine's PATH.
  for (const found of discoverAgents(options.path ?? process.env.PATH ?? '')) {
    if (!roster.has(found.name)) roster.set(found.name, { ...found, timeoutSeconds: options.timeoutSeconds, source: 'discovered' });
  }
  return roster;
}

/** The agents as plugins see them (`ctx.agents.list()`); none when the options are invalid. */
export function agentInfos(rawOptions: unknown): AgentInfo[] {
  const options = agentOptionsSchema.safeParse(rawOptions ?? {});
  if (!options.success) return [];
  const roster = rosterOf(options.data);
  const fallback = defaultName(roster, options.data);
  return [...roster].map(([name, agent]) => ({
    name,
    command: agent.command,
    aliases: [...agent.aliases],
    default: name === fallback,
    source: agent.source,
  }));
}

/** The line planners get: the agents a step may name, where each comes from, the default marked; none without agents. */
export function rosterLines(rawOptions: unknown): string[] {
  const agents = agentInfos(rawOptions);
  if (agents.length === 0) return [];
  const names = agents.map((agent) => {
    const from = agent.source === 'configured' ? 'configured' : 'found on PATH';
    return `${agent.name} (${agent.default ? `${from}, default` : from})`;
  });
  return [`Agents for implement steps (agent MUST be exactly one of these, or "default"): ${names.join(', ')}`];
}

/** The registered name for a requested name or alias. */
export function lookup(roster: Roster, requested: string): string | undefined {
  if (roster.has(requested)) return requested;
  return [...roster].find(([, agent]) => agent.aliases.includes(requested))?.[0];
}

function defaultName(roster: Roster, options: AgentOptions): string | undefined {
  return options.default === undefined ? roster.keys().next().value : lookup(roster, options.default);
}

export type Choice = { name: string } | { name?: undefined; planProblem: string; runError: string };

/** The agent a step runs first, or why there is none (worded for the planner and for the step error). */
export function choose(roster: Roster, options: AgentOptions, requested: string): Choice {
  const wanted = requested.trim() || 'default';
  const target = wanted === 'default' ? options.default : wanted;
  // With no default configured, config order wins, then discovery order (claude first).
  if (target === undefined) return { name: roster.keys().next().value as string };
  const name = lookup(roster, target);
  if (name) return { name };
  const names = [...roster.keys()].sort().join(', ');
  if (wanted === 'default') {
    return {
      planProblem: `the configured default agent \`${target}\` is not registered. Available agents: ${names}. Name one of them, or fix \`plugins.implement.default\`.`,
      runError: `Specialist agent '${target}' (the configured default) isn't available. Available agents: ${names}.`,
    };
  }
  return {
    planProblem: `delegates to agent \`${target}\` which is not registered. Available agents: ${names}. Re-plan with one of them.`,
    runError: `Specialist agent '${target}' isn't available. Available agents: ${names}.`,
  };
}
