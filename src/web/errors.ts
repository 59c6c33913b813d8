import { ERROR_CODES, errorMessage, isOrchestrateError, type ErrorCode } from '../errors.js';

/**
 * Codes of refusals only the web view makes (sign-in, CSRF, routing). The engine's codes
 * (src/errors.ts) pass through unchanged.
 */
export const WEB_ERROR_CODES = {
  AUTH_REQUIRED: 'Sign in first: open the one-time login link the server logged when it started, or visit /?token=<the server token> once.',
  LOGIN_INVALID: 'The login code is unknown or was already used; each login link works once. Use the newest link in the server log.',
  ORIGIN_REQUIRED: 'A state-changing request from a browser must carry an Origin header of this server (or a bearer token).',
  ORIGIN_NOT_ALLOWED: 'The request came from a page of another site; only pages of this server may use the web API.',
  HOST_NOT_ALLOWED: 'The Host header is not a name of this server (DNS rebinding protection); list it in http.allowedHosts.',
  BAD_HEADERS: 'A header that must appear once appeared more than once.',
  ROUTE_NOT_FOUND: 'No such web API route; see the README section "Web view".',
  METHOD_NOT_ALLOWED: 'This route does not take that HTTP method.',
  UNSUPPORTED_MEDIA_TYPE: 'Send the body as JSON with "Content-Type: application/json".',
  TOO_MANY_STREAMS: 'Too many event streams are open; close some tabs of the web view.',
} as const;

export type WebErrorCode = keyof typeof WEB_ERROR_CODES;

export interface WebErrorBody {
  error: { code: ErrorCode | WebErrorCode; message: string; hint: string };
}

/** A refusal with its HTTP status, thrown by the web routes and answered in one place. */
export class WebError extends Error {
  readonly status: number;
  readonly code: WebErrorCode | ErrorCode;
  readonly hint: string;

  constructor(status: number, code: WebErrorCode | ErrorCode, message: string) {
    super(message);
    this.name = 'WebError';
    this.status = status;
    this.code = code;
    this.hint = code in WEB_ERROR_CODES ? WEB_ERROR_CODES[code as WebErrorCode] : ERROR_CODES[code as ErrorCode];
  }
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  TASK_NOT_FOUND: 404,
  STEP_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  PLAN_CHANGED: 409,
  APPROVAL_NEEDS_HUMAN: 409,
  INVALID_ARGUMENT: 400,
  REQUEST_TOO_LARGE: 413,
  SHUTTING_DOWN: 503,
};

/** The status and JSON body for anything a route threw; unexpected errors say no more than that. */
export function toWebError(error: unknown): { status: number; body: WebErrorBody; unexpected?: string } {
  if (error instanceof WebError)
    return { status: error.status, body: { error: { code: error.code, message: error.message, hint: error.hint } } };
  if (isOrchestrateError(error)) {
    return { status: STATUS_OF[error.code] ?? 500, body: { error: { code: error.code, message: error.message, hint: error.hint } } };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL_ERROR', message: 'Unexpected server error.', hint: ERROR_CODES.INTERNAL_ERROR } },
    unexpected: errorMessage(error),
  };
}
