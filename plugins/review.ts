import { z } from 'zod';
import { definePlugin, firstLineSummary, type DependencyOutput } from '../src/plugins/api.js';

const SYSTEM_PROMPT =
  'You review work products. Critique the artifact for completeness, correctness and gaps; name concrete ' +
  'issues and what to change. Stay under 200 words.';

const EXCERPT = 2_000;

/** Critiques an artifact (and the outputs of the steps it depends on) with the client's LLM. */
export default definePlugin({
  apiVersion: 1,
  name: 'review',
  description: "Critiques an artifact (a file, a diff, a previous step's output) with the client's LLM.",
  tier: 'read',
  fromDescription: 'artifact',
  effects: 'none',
  // One request: up to 1,024 tokens of review plus the artifact and the outputs it depends on.
  planner: { consumesPriorOutput: true, estimate: { tokens: 2_000 } },
  input: z.object({ artifact: z.string().min(1).describe('What to review: a path, a name, or the text itself') }),
  async run(input, ctx) {
    if (!ctx.llm.available) {
      return { summary: `Review requested (no LLM attached): ${input.artifact}`, stdout: '', artifacts: [input.artifact] };
    }
    let review: string;
    try {
      review = await ctx.llm.complete(
        {
          system: SYSTEM_PROMPT,
          messages: [{ role: 'user', content: `Review this artifact: ${input.artifact}${dependencyText(ctx.deps)}` }],
          maxTokens: 1024,
        },
        { signal: ctx.signal },
      );
    } catch (error) {
      throw new Error(`LLM review failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return { summary: firstLineSummary(review) || `Reviewed: ${input.artifact}`, stdout: review, artifacts: [input.artifact] };
  },
});

function dependencyText(deps: Readonly<Record<string, DependencyOutput>>): string {
  const parts = Object.values(deps)
    .filter((d) => d.stdout.trim() !== '')
    .map((d) => `\n\n## Output of "${d.description}"\n${d.stdout.trim().slice(0, EXCERPT)}`);
  return parts.join('');
}
