import type { CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';

export type Reply = string | Error | ((request: CreateMessageRequest['params']) => string | Promise<string>);

/**
 * A scripted stand-in for the client's LLM: answers sampling requests from a queue of replies as
 * messy as real ones, and records what it was asked.
 */
export class ScriptedLlm {
  readonly requests: Array<CreateMessageRequest['params']> = [];
  readonly #replies: Reply[];
  fallback: Reply | undefined;

  constructor(replies: Reply[] = [], fallback?: Reply) {
    this.#replies = [...replies];
    this.fallback = fallback;
  }

  push(...replies: Reply[]): void {
    this.#replies.push(...replies);
  }

  async answer(request: CreateMessageRequest['params']): Promise<string> {
    this.requests.push(request);
    const reply = this.#replies.shift() ?? this.fallback;
    if (reply === undefined) throw new Error('the scripted LLM has no reply left');
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(request) : reply;
  }

  /** The system prompts it was sent, in order. */
  systems(): string[] {
    return this.requests.map((r) => r.systemPrompt ?? '');
  }
}

/** A reply wrapped like real chat output: prose, a fenced block, a sign-off. */
export function fenced(steps: unknown[], prose = "Sure! Here's the plan:"): string {
  return `${prose}\n\n\`\`\`json\n${JSON.stringify(steps, null, 2)}\n\`\`\`\n\nLet me know if you want changes.`;
}
