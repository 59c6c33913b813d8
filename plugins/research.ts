import { z } from 'zod';
import { definePlugin, firstLineSummary } from '../src/plugins/api.js';

const SYSTEM_PROMPT =
  'You are a concise research assistant helping to carry out a task plan. Answer the query with facts, ' +
  'steps or options, as briefly as the question allows. You have no direct access to the codebase or the ' +
  'file system: say so plainly when the answer depends on them.';

/** Answers a question with the client's LLM (MCP sampling). */
export default definePlugin({
  apiVersion: 1,
  name: 'research',
  description: "Answers a question or gathers background with the client's LLM. Has no file system access.",
  tier: 'read',
  fromDescription: 'query',
  // An LLM question: asking again is harmless.
  effects: 'none',
  // One request: up to 2,048 tokens of answer plus the prompt.
  planner: { estimate: { tokens: 2_500 } },
  input: z.object({ query: z.string().min(1).describe('The question to research') }),
  async run(input, ctx) {
    if (!ctx.llm.available) {
      return { summary: `Researched (no LLM attached): ${input.query}`, stdout: `Research query: ${input.query}` };
    }
    let answer: string;
    try {
      answer = await ctx.llm.complete(
        { system: SYSTEM_PROMPT, messages: [{ role: 'user', content: input.query }], maxTokens: 2048 },
        { signal: ctx.signal },
      );
    } catch (error) {
      throw new Error(`LLM research failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const summary = firstLineSummary(answer);
    return { summary: summary || `Research: ${input.query}`, stdout: answer };
  },
});
