import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { elicitationError, elicitParams } from '../approval/elicitation.js';
import type { ClientChannel, HumanAnswer, HumanForm, LogLevel, SampleRequest } from '../engine/channel.js';
import { OrchestrateError } from '../errors.js';
import { samplingError, samplingParams, samplingText } from './sampling.js';

/**
 * One MCP session seen from the engine: its client's LLM (sampling, from background work) and its
 * log stream. Goes unavailable when the session closes, so no request waits on a gone client.
 */
export class SessionChannel implements ClientChannel {
  readonly id = randomUUID();
  readonly #mcp: McpServer;
  readonly #timeoutMs: number;
  #open = true;

  constructor(mcp: McpServer, samplingTimeoutMs: number) {
    this.#mcp = mcp;
    this.#timeoutMs = samplingTimeoutMs;
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
    try {
      const result = await this.#mcp.server.createMessage(samplingParams(request), { signal, timeout: this.#timeoutMs });
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
    try {
      const result = await this.#mcp.server.elicitInput(elicitParams(form), { signal: options.signal, timeout: options.timeoutMs });
      return { action: result.action, ...(result.content ? { content: result.content } : {}) };
    } catch (error) {
      throw elicitationError(error);
    }
  }

  log(level: LogLevel, data: Record<string, unknown>): void {
    if (!this.isOpen()) return;
    this.#mcp.server.sendLoggingMessage({ level, logger: 'orchestrate', data }).catch(() => {});
  }
}
