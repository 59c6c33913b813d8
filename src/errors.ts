/**
 * Errors with stable codes. A shipped code never changes meaning; tools turn these into
 * `isError` results in one place (`toErrorResult` in src/tools/result.ts).
 */

export const ERROR_CODES = {
  TASK_NOT_FOUND: 'No task has that id.',
  STEP_NOT_FOUND: 'The task has no step with that id.',
  INVALID_TRANSITION: 'The task or step is not in a phase that allows this.',
  PLAN_INVALID: 'The plan is not valid; fix the named step and send it again.',
  PLAN_CHANGED: 'The plan changed since it was shown; show the current plan and approve again.',
  UNKNOWN_ACTION: 'The step names an action that no loaded plugin provides.',
  SAMPLING_UNAVAILABLE: 'The client cannot be asked to sample right now.',
  SAMPLING_FAILED: 'The client LLM request failed.',
  AMBIGUOUS_TASK: 'Several tasks match; pass taskId.',
  NO_PENDING_TASK: 'No task is waiting for this.',
  INVALID_ARGUMENT: 'An argument is missing or malformed.',
  BUDGET_EXCEEDED: 'The budget for this work is used up.',
  SHUTTING_DOWN: 'The server is shutting down.',
  PLUGIN_IMPORT_FAILED: 'The plugin file could not be imported; fix the error it names or remove the file.',
  PLUGIN_INVALID: 'The plugin does not have the shape of an action plugin; see the listed problems.',
  PLUGIN_API_MISMATCH: 'The plugin was written for another plugin API version.',
  PLUGIN_DUPLICATE: 'Two plugins have the same name; rename or remove one.',
  PLUGIN_DIR_NOT_FOUND: 'A plugin directory does not exist or is not a directory.',
  PLUGIN_CRASHED:
    'The process hosting the plugin exited or stopped answering; it starts afresh for the next step. A plugin whose host ' +
    'crashes again and again is turned off until the server restarts: fix it (see the server log), then restart.',
  PLUGIN_RESULT_INVALID:
    'The plugin returned a result that is not { summary: string, stdout?, stderr?, exitCode?, artifacts?, data?, truncated? } ' +
    'or holds what JSON cannot store (undefined, a BigInt, a cycle, a function); fix the plugin.',
  APPROVAL_NEEDS_HUMAN:
    'Only the user can approve this, through a form their client shows (elicitation); the approve tool cannot. ' +
    'Ask the user to answer the form, use a client that supports elicitation, or set approval.policy to "tool".',
  APPROVAL_DISMISSED: 'The user closed the approval form without deciding; nothing changed. Ask the user, then call approve again.',
  APPROVAL_TIMEOUT: 'The user did not answer the approval form in time; nothing changed. Ask the user, then call approve again.',
  ELICITATION_FAILED: 'The client could not show the approval form or answered it with an error; nothing changed.',
  REQUEST_TOO_LARGE:
    'The message is larger than the server accepts (4 MiB); nothing was done. Send less in one call: split a big plan ' +
    'into several tasks, or write large inputs to files and pass their paths.',
  CONFIG_INVALID: 'The server configuration is not valid; fix the named field.',
  DATABASE_NOT_FOUND: 'No state database at that path; pass --db, or start the server once to create it.',
  DATABASE_SCHEMA_MISMATCH: 'The state database has a schema this build cannot read; use the matching orchestrate-mcp version.',
  FILE_EXISTS: 'The file is already there; nothing was overwritten. Pick another name or folder, or move the file away.',
  RUNNER_UNAVAILABLE: 'The background runner of this database could not be reached or started; see its log, or serve with --inline.',
  RUNNER_CONFIG_MISMATCH:
    'The background runner of this database was started with another version, config file or plugin folders. Use the same ' +
    'flags in every client, stop it with `orchestrate-mcp runner stop`, or serve with --inline.',
  INTERNAL_ERROR: 'Unexpected server error; see the server log.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OrchestrateError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrchestrateError';
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint ?? ERROR_CODES[code];
  }
}

export function isOrchestrateError(value: unknown): value is OrchestrateError {
  return value instanceof OrchestrateError;
}

/** A readable one-line message for anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
