import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_CODES, OrchestrateError } from '../errors.js';

/** A successful tool result: structured content plus one paragraph for humans. */
export function ok(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** The one place errors become tool results: coded, with a hint, never a protocol error. */
export function toErrorResult(error: unknown): CallToolResult {
  const coded =
    error instanceof OrchestrateError
      ? error
      : new OrchestrateError('INTERNAL_ERROR', 'The server failed unexpectedly; nothing about the cause is shown here.', {
          hint: ERROR_CODES.INTERNAL_ERROR,
        });
  return {
    isError: true,
    content: [{ type: 'text', text: `${coded.code}: ${coded.message}\nHint: ${coded.hint}` }],
    structuredContent: {
      error: {
        code: coded.code,
        message: coded.message,
        hint: coded.hint,
        ...(Object.keys(coded.details).length > 0 ? { details: coded.details } : {}),
      },
    },
  };
}
