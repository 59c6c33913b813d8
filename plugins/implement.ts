import { z } from 'zod';
import { ExecError, definePlugin, firstLineSummary, type ActionContext, type ActionResult } from '../src/plugins/api.js';
import { discoverAgents } from './lib/agent-discovery.js';
import { changedSince, snapshot } from './lib/workdir-snapshot.js';

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
const optionsSchema = z.object({
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

type Options = z.infer<typeof optionsSchema>;

interface Agent {
  command: string;
  args: readonly string[];
  timeoutSeconds: number;
  aliases: readonly string[];
  env?: Record<string, string>;
  envPassthrough?: readonly string[];
}

/** Every agent a step may name: configured ones first (in config order), then discovered ones. */
type Roster = Map<string, Agent>;

interface Attempt {
  result?: ActionResult;
  error?: string;
  /** Another agent might succeed where this one failed. */
  retryable?: boolean;
}

const NO_AGENTS =
  'No specialist agents are configured — install one (e.g. claude-code, aider, codex) on your PATH ' +
  'or add one under `plugins.implement.agents` in the config.';

/** Delegates a coding task to a coding-agent CLI, with a chain of fallback agents. */
export default definePlugin({
  apiVersion: 1,
  name: 'implement',
  description: 'Delegates writing or changing code to a coding agent (a CLI such as claude, codex or aider) in the working directory.',
  tier: 'write',
  // Each agent run has its own timeout; the step's allows for the fallbacks after a slow primary.
  timeoutMs: 3_600_000,
  fromDescription: 'spec',
  effects: 'side-effecting',
  options: optionsSchema,
  planner: {
    hints: ['A command that runs a script must depend on the "implement" step that writes it; "plan" steps create no files.'],
    consumesPriorOutput: true,
    context(ctx) {
      const options = optionsSchema.safeParse(ctx.options);
      if (!options.success) return [];
      const roster = rosterOf(options.data);
      if (roster.size === 0) return [];
      const fallback = options.data.default ?? roster.keys().next().value;
      const names = [...roster.keys()].map((name) => (name === fallback ? `${name} (default)` : name));
      return [`Agents for implement steps (agent MUST be exactly one of these, or "default"): ${names.join(', ')}`];
    },
  },
  input: z.object({
    spec: z.string().min(1).describe('What to build or change, precisely'),
    agent: z.string().default('default').describe('Which agent; "default" picks the configured default'),
  }),
  check(input, ctx) {
    const options = optionsSchema.safeParse(ctx.options);
    if (!options.success) return [];
    const roster = rosterOf(options.data);
    if (roster.size === 0) return [];
    const choice = choose(roster, options.data, input.agent);
    return choice.name === undefined ? [`agent: ${choice.planProblem}`] : [];
  },
  async run(input, ctx) {
    const parsed = optionsSchema.safeParse(ctx.options);
    if (!parsed.success)
      throw new Error(`The implement plugin's options are invalid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
    const options = parsed.data;
    const roster = rosterOf(options);
    if (roster.size === 0) throw new Error(NO_AGENTS);
    const choice = choose(roster, options, input.agent);
    if (choice.name === undefined) throw new Error(choice.runError);
    const primary = choice.name;
    const before = snapshot(ctx.workdir);
    const finish = (result: ActionResult, summary: string): ActionResult => {
      const artifacts = changedSince(before, ctx.workdir);
      return { ...result, summary, ...(artifacts.length > 0 ? { artifacts } : {}) };
    };

    const first = await attempt(primary, roster, options, input.spec, ctx);
    if (first.result) return finish(first.result, `${primary}: ${first.result.summary}`);
    if (!first.retryable) throw new Error(`delegate '${primary}' failed: ${first.error}`);
    for (const fallback of options.fallbacks.map((f) => lookup(roster, f))) {
      if (fallback === undefined || fallback === primary) continue;
      const next = await attempt(fallback, roster, options, input.spec, ctx);
      if (next.result) return finish(next.result, `${primary} failed; recovered via ${fallback}: ${next.result.summary}`);
    }
    throw new Error(`delegate '${primary}' failed: ${first.error}; no fallback recovered`);
  },
});

function rosterOf(options: Options): Roster {
  const roster: Roster = new Map();
  for (const [name, agent] of Object.entries(options.agents)) {
    roster.set(name, { ...agent, timeoutSeconds: agent.timeoutSeconds ?? options.timeoutSeconds });
  }
  if (!options.discover) return roster;
  // The one read of the environment in a plugin: discovery is about this machine's PATH.
  for (const found of discoverAgents(options.path ?? process.env.PATH ?? '')) {
    if (!roster.has(found.name)) roster.set(found.name, { ...found, timeoutSeconds: options.timeoutSeconds });
  }
  return roster;
}

/** The registered name for a requested name or alias. */
function lookup(roster: Roster, requested: string): string | undefined {
  if (roster.has(requested)) return requested;
  return [...roster].find(([, agent]) => agent.aliases.includes(requested))?.[0];
}

type Choice = { name: string } | { name?: undefined; planProblem: string; runError: string };

/** The agent a step runs first, or why there is none (worded for the planner and for the step error). */
function choose(roster: Roster, options: Options, requested: string): Choice {
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

async function attempt(name: string, roster: Roster, options: Options, spec: string, ctx: ActionContext): Promise<Attempt> {
  // A cancelled step would only start the next agent for the sandbox to kill at once.
  ctx.signal.throwIfAborted();
  const agent = roster.get(name) as Agent;
  const argv = [agent.command, ...agent.args.map((arg) => arg.replaceAll('{spec}', spec).replaceAll('{workdir}', ctx.workdir))];
  ctx.progress(`delegating to ${name}`);
  try {
    const result = await ctx.exec({
      mode: 'argv',
      command: `${name} agent`,
      argv,
      timeoutMs: agent.timeoutSeconds * 1000,
      ...(agent.env ? { env: agent.env } : {}),
      ...(agent.envPassthrough ? { inheritEnv: agent.envPassthrough } : {}),
    });
    ctx.signal.throwIfAborted();
    if (result.exitCode !== 0) {
      const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
      return { retryable: true, error: `exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}` };
    }
    const summary = firstLineSummary(result.stdout) || 'finished';
    return { result: { summary, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode, data: { agent: name } } };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const kind = error instanceof ExecError ? error.kind : 'launch';
    const message = error instanceof Error ? error.message : String(error);
    return { retryable: kind === 'launch' || (kind === 'timeout' && options.retryOnTimeout), error: message };
  }
}
