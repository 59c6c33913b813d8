import { errorMessage } from '../../errors.js';

/** Network failures worth another try: the other side was busy, gone for a moment, or slow. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Whether a step's failure may pass on another attempt: the plugin said so (`ActionError` with
 * `retryable`), the client's LLM could not be reached, a command timed out or did not start, or
 * the network failed. Looks through the error's causes.
 */
export function isRetryable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 8; depth += 1) {
    if (typeof current !== 'object') break;
    const fields = current as { retryable?: unknown; code?: unknown; name?: unknown; kind?: unknown; cause?: unknown };
    if (fields.retryable === true) return true;
    if (fields.code === 'SAMPLING_UNAVAILABLE' || (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code))) return true;
    if (fields.name === 'ExecError' && (fields.kind === 'timeout' || fields.kind === 'launch')) return true;
    if (errorMessage(current).includes('SAMPLING_UNAVAILABLE')) return true;
    current = fields.cause;
  }
  return false;
}
