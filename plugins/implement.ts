import { z } from 'zod';
import { definePlugin } from '../src/plugins/api.js';
import { agentOptionsSchema, choose, rosterLines, rosterOf } from './lib/agent-roster.js';

/**
 * Delegates a coding task to a coding-agent CLI, with a chain of fallback agents. Its options
 * (`plugins.implement`) are the server's agent roster: `ctx.agents` of every plugin uses them too,
 * and this action's runs go through it, so each counts toward the delegation budget.
 */
export default definePlugin({
  apiVersion: 1,
  name: 'implement',
  description: 'Delegates writing or changing code to a coding agent (a CLI such as claude, codex or aider) in the working directory.',
  tier: 'write',
  // Each agent run has its own timeout; the step's allows for the fallbacks after a slow primary.
  timeoutMs: 3_600_000,
  fromDescription: 'spec',
  effects: 'side-effecting',
  options: agentOptionsSchema,
  planner: {
    hints: ['A command that runs a script must depend on the "implement" step that writes it; "plan" steps create no files.'],
    consumesPriorOutput: true,
    estimate: { delegations: 1 },
    context: (ctx) => rosterLines(ctx.options),
  },
  input: z.object({
    spec: z.string().min(1).describe('What to build or change, precisely'),
    agent: z.string().default('default').describe('Which agent; "default" picks the configured default'),
  }),
  check(input, ctx) {
    const options = agentOptionsSchema.safeParse(ctx.options);
    if (!options.success) return [];
    const roster = rosterOf(options.data);
    if (roster.size === 0) return [];
    const choice = choose(roster, options.data, input.agent);
    return choice.name === undefined ? [`agent: ${choice.planProblem}`] : [];
  },
  run(input, ctx) {
    return ctx.agents.delegate(input.spec, { agent: input.agent, signal: ctx.signal });
  },
});
