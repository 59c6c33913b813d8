import { z } from 'zod';
import { definePlugin, firstLineSummary } from '../src/plugins/api.js';

/** Produces a piece of text (a plan, an outline, a decision) that later steps can use. */
export default definePlugin({
  apiVersion: 1,
  name: 'plan',
  description: 'Writes out a piece of text (an outline, a decision, a checklist) that later steps use. Creates no files.',
  tier: 'read',
  // A step a planner wrote without an action still says what it is about: it is kept as a note.
  planner: { untypedStepField: 'output', fieldAliases: { spec: 'output' } },
  effects: 'none',
  input: z.object({
    output: z.string().default('').describe('The exact text this step produces'),
  }),
  async run(input, ctx) {
    if (input.output.trim() === '') {
      throw new Error(
        `Plan step '${ctx.description}' had no output to produce — the planner did not specify what this step should write. ` +
          'Re-plan with concrete steps (research/execute/implement).',
      );
    }
    return { summary: firstLineSummary(input.output), stdout: input.output };
  },
});
