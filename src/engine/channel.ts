/** One message of a conversation with the client's LLM. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface SampleRequest {
  system?: string;
  messages: LlmMessage[];
  maxTokens?: number;
}

/** One field of a human form: flat primitives only, as MCP elicitation (form mode) allows. */
export type FormField =
  | { type: 'string'; title?: string; description?: string; enum: string[]; enumNames?: string[] }
  | { type: 'string'; title?: string; description?: string; maxLength?: number };

/** A form shown to the human (MCP `elicitation/create`, form mode). */
export interface HumanForm {
  message: string;
  requestedSchema: { type: 'object'; properties: Record<string, FormField>; required?: string[] };
}

/** The human's answer: `decline` is an explicit no, `cancel` a form closed without deciding. */
export interface HumanAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
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
  /**
   * Whether a request from background work (no tool call to ride on) can get to the client now.
   * Over Streamable HTTP only while the session's GET stream is open; absent means always.
   */
  canReach?(): boolean;
  /** Whether the client can show the human a form now; a channel without it cannot. */
  canElicit?(): boolean;
  /**
   * Asks the human through a form. Rejects with OrchestrateError APPROVAL_TIMEOUT or
   * ELICITATION_FAILED (`details.unreachable` when the client is gone), or when `signal` aborts.
   */
  elicit?(form: HumanForm, options: { signal: AbortSignal; timeoutMs: number }): Promise<HumanAnswer>;
  /**
   * True when work that needs a client that samples has to wait for one to connect: the task
   * expects an LLM, and no connected client can sample now. Absent means never.
   */
  mustWaitToSample?(): boolean;
  /** Resolves once a client that samples is reachable; rejects when `signal` aborts. */
  untilSampler?(signal: AbortSignal): Promise<void>;
}

/** A channel for tasks nobody is connected to (e.g. after a restart). */
export const detachedChannel: ClientChannel = {
  id: 'detached',
  isOpen: () => false,
  canSample: () => false,
  sample: () => Promise.reject(new Error('No client is connected to this task.')),
  log: () => {},
};
