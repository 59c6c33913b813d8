import { isOrchestrateError } from '../../errors.js';
import type { SampleRequest } from '../channel.js';
import type { StepLlm } from '../ports.js';
import { tokensFor } from './limits.js';
import type { TaskBudget } from './task-budget.js';

/** The characters a sampling request sends. */
export function promptChars(request: Pick<SampleRequest, 'system' | 'messages'>): number {
  return (request.system?.length ?? 0) + request.messages.reduce((sum, message) => sum + message.content.length, 0);
}

/**
 * The tokens a finished request is taken to have used: prompt plus reply; the prompt alone when it
 * failed after going out; nothing when it never went out (no client could sample).
 */
export function tokensUsed(prompt: number, reply: string | undefined, error: unknown): number {
  if (reply !== undefined) return tokensFor(prompt + reply.length);
  return isOrchestrateError(error) && error.code === 'SAMPLING_UNAVAILABLE' ? 0 : tokensFor(prompt);
}

/** Sends a request with its worst case (`maxTokens` plus the prompt) reserved first, and settles what it used. */
export async function meteredRequest(
  budget: TaskBudget,
  request: SampleRequest & { maxTokens: number },
  send: () => Promise<string>,
): Promise<string> {
  const prompt = promptChars(request);
  const hold = await budget.reserve(request.maxTokens + tokensFor(prompt));
  let reply: string | undefined;
  let failure: unknown;
  try {
    reply = await send();
    return reply;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await budget.settle(hold, tokensUsed(prompt, reply, failure));
  }
}

/** A step's LLM whose every request is metered against its task's budgets. */
export function meteredLlm(llm: StepLlm, budget: TaskBudget, defaultMaxTokens: number): StepLlm {
  return {
    get available() {
      return llm.available;
    },
    complete(request, options) {
      const sized = { ...request, maxTokens: request.maxTokens ?? defaultMaxTokens };
      return meteredRequest(budget, sized, () => llm.complete(sized, options));
    },
  };
}
