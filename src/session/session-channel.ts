import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { elicitationError, elicitParams } from './elicitation.js';
import type { ClientChannel, HumanAnswer, HumanForm, LogLevel, SampleRequest } from '../engine/channel.js';
import { OrchestrateError } from '../errors.js';
import { createMasker, type Masker } from '../secrets.js';
import { ALWAYS_REACHABLE, whileReachable, type BackgroundStream } from './background.js';
import { ClientRoots } from './roots.js';
import { samplingError, samplingParams, samplingText } from './sampling.js';

/**
 * One MCP session seen from the engine: its client's LLM (sampling, from background work) and its
 * log stream. Goes unavailable when the session closes, so no request waits on a gone client.
 */
export class SessionChannel implements ClientChannel {
  readonly id = randomUUID();
  readonly #mcp: McpServer;
  readonly #timeoutMs: number;
  readonly #background: BackgroundStream;
  readonly #masker: Masker;
  /** The client's workspace roots (MCP roots), for the default working directory of its plans. */
  readonly roots: ClientRoots;
  #open = true;

  constructor(
    mcp: McpServer,
    samplingTimeoutMs: number,
    background: BackgroundStream = ALWAYS_REACHABLE,
    masker: Masker = createMasker([]),
  ) {
    this.#mcp = mcp;
    this.#timeoutMs = samplingTimeoutMs;
    this.#background = background;
    this.#masker = masker;
    this.roots = new ClientRoots(mcp);
  }

  canReach(): boolean {
    return this.isOpen() && this.#background.isOpen();
  }

  isOpen(): boolean {
    return this.#open && this.#mcp.isConnected();
  }

  close(): void {
    this.#open = false;
  }

  canSample(): boolean {
    return this.isOpen() && !!this.#mcp.server.getClientCapabilities()?.sampling;
  }

  async sample(request: SampleRequest, signal: AbortSignal): Promise<string> {
    if (!this.canSample()) {
      throw new OrchestrateError('SAMPLING_UNAVAILABLE', 'The connected client cannot sample (or has disconnected).');
    }
    const unreachable = () =>
      new OrchestrateError(
        'SAMPLING_UNAVAILABLE',
        // The code is in the text too: plugins pass on only the message ("LLM research failed: …").
        'SAMPLING_UNAVAILABLE: the client has no open stream for requests from background work (over Streamable HTTP it must keep its GET stream open), so it cannot be asked to sample.',
      );
    try {
      const result = await whileReachable(this.#background, signal, unreachable, (guarded) =>
        this.#mcp.server.createMessage(samplingParams(this.#masker.maskDeep(request)), { signal: guarded, timeout: this.#timeoutMs }),
      );
      return samplingText(result);
    } catch (error) {
      throw samplingError(error);
    }
  }

  canElicit(): boolean {
    return this.isOpen() && !!this.#mcp.server.getClientCapabilities()?.elicitation?.form;
  }

  /** A form from background work (no tool call to ride on): goes out on the session itself. */
  async elicit(form: HumanForm, options: { signal: AbortSignal; timeoutMs: number }): Promise<HumanAnswer> {
    if (!this.isOpen()) {
      throw new OrchestrateError('ELICITATION_FAILED', 'The client has disconnected.', { details: { unreachable: true } });
    }
    const unreachable = () =>
      new OrchestrateError('ELICITATION_FAILED', 'The client has no open stream for requests from background work.', {
        details: { unreachable: true },
      });
    try {
      const result = await whileReachable(this.#background, options.signal, unreachable, (guarded) =>
        this.#mcp.server.elicitInput(elicitParams(this.#masker.maskDeep(form)), { signal: guarded, timeout: options.timeoutMs }),
      );
      return { action: result.action, ...(result.content ? { content: result.content } : {}) };
    } catch (error) {
      throw elicitationError(error);
    }
  }

  log(level: LogLevel, data: Record<string, unknown>): void {
    if (!this.canReach()) return;
    this.#mcp.server.sendLoggingMessage({ level, logger: 'orchestrate', data: this.#masker.maskDeep(data) }).catch(() => {});
  }
}
