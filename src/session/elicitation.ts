import { ElicitResultSchema, ErrorCode, McpError, type ElicitRequestFormParams } from '@modelcontextprotocol/sdk/types.js';
import type { HumanAnswer, HumanForm } from '../engine/channel.js';
import { OrchestrateError, errorMessage } from '../errors.js';
import type { RequestExtra } from './extra.js';

/** The MCP params of a form: the protocol glue stays here so the engine never sees SDK types. */
export function elicitParams(form: HumanForm): ElicitRequestFormParams {
  return { mode: 'form', message: form.message, requestedSchema: form.requestedSchema };
}

/**
 * Maps a failed elicitation request to our codes. A client that is gone (closed connection, no
 * transport) is `unreachable`, which lets a step fall back to the approve tool; a client that
 * answered with an error is not, because it may have shown the form and failed afterwards.
 */
export function elicitationError(error: unknown): OrchestrateError {
  if (error instanceof OrchestrateError) return error;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new OrchestrateError('APPROVAL_TIMEOUT', 'The user did not answer the approval form in time.', { cause: error });
  }
  const unreachable =
    (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) ||
    (error instanceof Error && error.message === 'Not connected');
  return new OrchestrateError('ELICITATION_FAILED', `The approval form failed: ${errorMessage(error)}`, {
    details: { unreachable },
    cause: error,
  });
}

/** Shows a form inside the current tool call, so HTTP transports route it on the call's own stream. */
export async function elicitInCall(extra: RequestExtra, form: HumanForm, timeoutMs: number): Promise<HumanAnswer> {
  try {
    const result = await extra.sendRequest({ method: 'elicitation/create', params: elicitParams(form) }, ElicitResultSchema, {
      signal: extra.signal,
      timeout: timeoutMs,
    });
    return { action: result.action, ...(result.content ? { content: result.content } : {}) };
  } catch (error) {
    throw elicitationError(error);
  }
}
