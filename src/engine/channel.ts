import type { LlmMessage } from '../plugins/api.js';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface SampleRequest {
  system?: string;
  messages: LlmMessage[];
  maxTokens?: number;
}

/**
 * The connection to the MCP client a task reports to: its LLM (sampling) and its log stream.
 * Implemented per session by the server; the engine only sees this interface.
 */
export interface ClientChannel {
  readonly id: string;
  isOpen(): boolean;
  canSample(): boolean;
  /** Rejects with OrchestrateError SAMPLING_UNAVAILABLE / SAMPLING_FAILED. */
  sample(request: SampleRequest, signal: AbortSignal): Promise<string>;
  log(level: LogLevel, data: Record<string, unknown>): void;
}

/** A channel for tasks nobody is connected to (e.g. after a restart). */
export const detachedChannel: ClientChannel = {
  id: 'detached',
  isOpen: () => false,
  canSample: () => false,
  sample: () => Promise.reject(new Error('No client is connected to this task.')),
  log: () => {},
};
