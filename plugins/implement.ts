import { z } from 'zod';
import { ExecError, definePlugin, firstLineSummary, type ActionContext, type ActionResult } from '../src/plugins/api.js';

const agentSchema = z.object({
  command: z.string().min(1).describe('The agent CLI to run, e.g. "claude"'),
  args: z.array(z.string()).default(['{spec}']).describe('Arguments; {spec} and {workdir} are filled in'),
  timeoutSeconds: z.number().positive().default(300),
  aliases: z.array(z.string()).default([]),
});

/** `plugins.implement` in the server config. */
const optionsSchema = z.object({
  agents: z.record(z.string(), agentSchema).default({}),
  /** The agent a step gets when it names none (or "default"). */
  default: z.string().optional(),
  /** Agents tried in order when the chosen one fails in a way another might not. */
  fallbacks: z.array(z.string()).default([]),
  retryOnTimeout: z.boolean().default(true),
});

type Options = z.infer<typeof optionsSchema>;
type Agent = z.infer<typeof agentSchema>;

interface Attempt {
  ok: boolean;
  result?: ActionResult;
  error?: string;
  /** Another agent might succeed where this one failed. */
  retryable?: boolean;
}

/** Delegates a coding task to a coding-agent CLI, with a chain of fallback agents. */
export default definePlugin({
  apiVersion: 1,
  name: 'implement',
  description: 'Delegates writing or changing code to a coding agent (a CLI such as claude, codex or aider) in the working directory.',
  tier: 'write',
  fromDescription: 'spec',
  input: z.object({
    spec: z.string().min(1).describe('What to build or change, precisely'),
    agent: z.string().default('default').describe('Which configured agent; "default" picks the configured default'),
  }),
  check(input, ctx) {
    const options = optionsSchema.safeParse(ctx.options);
    if (!options.success) return [];
    const roster = rosterOf(options.data);
    const name = input.agent.trim();
    if (roster.length === 0 || name === '' || name === 'default' || resolve(options.data, name)) return [];
    return [`agent: delegates to agent \`${name}\` which is not registered. Available agents: ${roster.join(', ')}. Re-plan with one of them.`];
  },
  async run(input, ctx) {
    const parsed = optionsSchema.safeParse(ctx.options);
    if (!parsed.success) throw new Error(`The implement plugin's options are invalid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
    const options = parsed.data;
    const roster = rosterOf(options);
    if (roster.length === 0) {
      throw new Error('No specialist agents are configured — add one (e.g. claude, aider, codex) under `plugins.implement.agents` in the config.');
    }
    const requested = input.agent.trim();
    const primary = resolve(options, requested === '' ? 'default' : requested);
    if (!primary) throw new Error(`Specialist agent '${requested}' isn't available. Available agents: ${roster.join(', ')}.`);
    const first = await attempt(primary, options, input.spec, ctx);
    if (first.ok && first.result) return { ...first.result, summary: `${primary}: ${first.result.summary}` };
    if (!first.retryable) throw new Error(`delegate '${primary}' failed: ${first.error}`);
    for (const fallback of options.fallbacks) {
      if (fallback === primary || !options.agents[fallback]) continue;
      const next = await attempt(fallback, options, input.spec, ctx);
      if (next.ok && next.result) {
        return { ...next.result, summary: `${primary} failed; recovered via ${fallback}: ${next.result.summary}` };
      }
    }
    throw new Error(`delegate '${primary}' failed: ${first.error}; no fallback recovered`);
  },
});

function rosterOf(options: Options): string[] {
  return Object.keys(options.agents).sort();
}

/** The registered name for a requested agent: its own name, an alias, or "default". */
function resolve(options: Options, requested: string): string | undefined {
  if (requested === 'default') {
    if (options.default && options.agents[options.default]) return options.default;
    return rosterOf(options)[0];
  }
  if (options.agents[requested]) return requested;
  return Object.entries(options.agents).find(([, agent]) => agent.aliases.includes(requested))?.[0];
}

async function attempt(name: string, options: Options, spec: string, ctx: ActionContext): Promise<Attempt> {
  const agent = options.agents[name] as Agent;
  const argv = [agent.command, ...agent.args.map((arg) => arg.replaceAll('{spec}', spec).replaceAll('{workdir}', ctx.workdir))];
  ctx.progress(`delegating to ${name}`);
  try {
    const result = await ctx.exec({ mode: 'argv', command: `${name} agent`, argv, timeoutMs: agent.timeoutSeconds * 1000 });
    if (result.exitCode !== 0) {
      const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
      return { ok: false, retryable: true, error: `exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}` };
    }
    const summary = firstLineSummary(result.stdout) || 'finished';
    return { ok: true, result: { summary, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode, data: { agent: name } } };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const kind = error instanceof ExecError ? error.kind : 'launch';
    const message = error instanceof Error ? error.message : String(error);
    const retryable = kind === 'launch' || (kind === 'timeout' && options.retryOnTimeout);
    return { ok: false, retryable, error: message };
  }
}
