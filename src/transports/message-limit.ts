import { OrchestrateError } from '../errors.js';

/**
 * The largest message any transport accepts (an HTTP body, a stdio line): about twice the largest
 * `plan` call its input schema allows (under 2 MiB as UTF-8 JSON), so a valid call always fits.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** JSON-RPC's "Invalid Request"; `data.code` says which. */
export const INVALID_REQUEST = -32600;

/** `bytes` is known when the whole message was read (stdio); HTTP stops reading at the limit. */
export function tooLargeError(bytes: number | undefined, limit = MAX_MESSAGE_BYTES): OrchestrateError {
  const message =
    bytes === undefined
      ? `The message is larger than ${limit} bytes, the most this server accepts in one message.`
      : `The message is ${bytes} bytes; this server accepts at most ${limit} bytes in one message.`;
  return new OrchestrateError('REQUEST_TOO_LARGE', message, { details: { limit, ...(bytes === undefined ? {} : { bytes }) } });
}

/** The JSON-RPC error object for a refused message, coded like a tool error in `data`. */
export function tooLargeRpcError(bytes: number | undefined, limit = MAX_MESSAGE_BYTES) {
  const error = tooLargeError(bytes, limit);
  return { code: INVALID_REQUEST, message: error.message, data: { code: error.code, hint: error.hint, details: error.details } };
}
