/**
 * What crosses the IPC channel between the server and a plugin host. Both sides send requests
 * (numbered in their own sequence) and notes; a reply names the request it answers.
 *
 * Server → host requests: `load` {@link LoadRequest}, `check` {@link CheckRequest}, `run` {@link RunRequest}.
 * Host → server requests: `call` {@link CallRequest} (a ctx method such as exec or llm.complete).
 * Notes: `abort` {run} to the host; `emit` {@link EmitNote}, `cancel` {call} and `fatal` {message} from it.
 */
import { ActionError, ExecError, type CheckContext, type ExecErrorKind } from '../api.js';
import { ERROR_CODES, OrchestrateError, errorMessage, type ErrorCode } from '../../errors.js';

export type Message =
  | { t: 'req'; id: number; kind: string; body: unknown }
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; error: WireError }
  | { t: 'note'; kind: string; body: unknown };

export interface LoadRequest {
  dirs: readonly string[];
  file: string;
  /** The plugin's options (`plugins.<name>` without the server's keys), by plugin name. */
  pluginOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** For `planner.context`, whose lines are fetched once, at load. */
  checkContext: Omit<CheckContext, 'options'>;
}

export interface CheckRequest {
  input: Record<string, unknown>;
  checkContext: CheckContext;
}

export interface RunRequest {
  input: Record<string, unknown>;
  /** The ActionContext value fields, by path (see context-spec.ts). */
  values: Record<string, unknown>;
  /** The answers of the snapshot methods, by path (see context-spec.ts). */
  snapshots?: Record<string, unknown>;
}

/** The server's answer to a ctx call, with the snapshot methods' answers as they are now. */
export interface CallReply {
  value: unknown;
  snapshots: Record<string, unknown>;
}

export interface CallRequest {
  run: number;
  path: string;
  args: unknown[];
}

export interface EmitNote {
  run: number;
  path: string;
  args: unknown[];
}

/** What the server learns about a plugin when its host has loaded it. */
export interface HostedMeta {
  name: string;
  description: string;
  tier: 'read' | 'write' | 'execute' | 'destructive' | 'external';
  inputSchema: Record<string, unknown>;
  fromDescription?: string;
  timeoutMs?: number;
  effects?: 'none' | 'idempotent' | 'side-effecting';
  effectsMayLower?: boolean;
  retry?: { attempts: number; backoffSeconds?: number; maxBackoffSeconds?: number };
  planner: {
    hints?: string[];
    repairHints?: string[];
    consumesPriorOutput?: boolean;
    untypedStepField?: string;
    fieldAliases?: Record<string, string>;
    estimate?: { tokens?: number; delegations?: number };
    hasContext: boolean;
  };
  /** `planner.context` lines, computed once at load. */
  contextLines: string[];
  optionsSchema?: Record<string, unknown>;
  hooks: { check: boolean; commands: boolean };
}

/** An error as it crosses the channel: enough to rebuild ActionError, ExecError and coded errors. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  kind?: string;
  retryable?: boolean;
  result?: unknown;
  details?: Record<string, unknown>;
}

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: errorMessage(error) };
  const fields = error as Error & Partial<Record<'code' | 'kind' | 'retryable' | 'result' | 'details', unknown>>;
  return {
    name: error.name,
    message: error.message,
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.kind === 'string' ? { kind: fields.kind } : {}),
    ...(typeof fields.retryable === 'boolean' ? { retryable: fields.retryable } : {}),
    ...(fields.result !== undefined ? { result: fields.result } : {}),
    ...(fields.details && typeof fields.details === 'object' ? { details: fields.details as Record<string, unknown> } : {}),
  };
}

export function fromWire(wire: WireError): Error {
  if (wire.name === 'ActionError') {
    return new ActionError(wire.message, {
      ...(wire.result && typeof wire.result === 'object' ? { result: wire.result as ActionError['result'] } : {}),
      ...(wire.retryable !== undefined ? { retryable: wire.retryable } : {}),
    });
  }
  if (wire.name === 'ExecError' && wire.kind) return new ExecError(wire.kind as ExecErrorKind, wire.message);
  if (wire.code && wire.code in ERROR_CODES) {
    return new OrchestrateError(wire.code as ErrorCode, wire.message, wire.details ? { details: wire.details } : {});
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

export function isMessage(value: unknown): value is Message {
  if (!value || typeof value !== 'object') return false;
  const { t } = value as { t?: unknown };
  return t === 'req' || t === 'res' || t === 'note';
}
