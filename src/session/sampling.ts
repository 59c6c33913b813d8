import type { CreateMessageRequest, CreateMessageResult } from '@modelcontextprotocol/sdk/types.js';
import type { SampleRequest } from '../engine/channel.js';
import { OrchestrateError, errorMessage } from '../errors.js';

/** The `sampling/createMessage` parameters for a request. */
export function samplingParams(request: SampleRequest): CreateMessageRequest['params'] {
  return {
    messages: request.messages.map((m) => ({ role: m.role, content: { type: 'text' as const, text: m.content } })),
    ...(request.system ? { systemPrompt: request.system } : {}),
    maxTokens: request.maxTokens ?? 4096,
    includeContext: 'none',
  };
}

/** The text of a sampling result (clients may answer with one content block or several). */
export function samplingText(result: CreateMessageResult | { content: unknown }): string {
  const blocks = Array.isArray(result.content) ? result.content : [result.content];
  const texts = blocks
    .filter((b): b is { type: 'text'; text: string } => !!b && typeof b === 'object' && (b as { type?: unknown }).type === 'text')
    .map((b) => b.text);
  if (texts.length === 0) {
    throw new OrchestrateError('SAMPLING_FAILED', 'The client LLM answered without any text.');
  }
  return texts.join('\n');
}

/** Maps a failed sampling request to our codes. */
export function samplingError(error: unknown): OrchestrateError {
  if (error instanceof OrchestrateError) return error;
  const message = errorMessage(error);
  if (/not connected|connection closed|closed/i.test(message)) {
    return new OrchestrateError('SAMPLING_UNAVAILABLE', `The client can no longer be reached: ${message}`, { cause: error });
  }
  return new OrchestrateError('SAMPLING_FAILED', `The client LLM request failed: ${message}`, { cause: error });
}
