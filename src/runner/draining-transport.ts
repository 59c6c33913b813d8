import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * A transport that counts the client's requests not answered yet, so a session whose client has
 * stopped sending (its bridge half-closed the socket) can answer what it already got, then close.
 */
export class DrainingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #inner: Transport;
  readonly #open = new Set<string | number>();
  #waiters: Array<() => void> = [];

  constructor(inner: Transport) {
    this.#inner = inner;
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message) => {
      if ('method' in message && 'id' in message) this.#open.add(message.id);
      this.onmessage?.(message);
    };
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    await this.#inner.send(message, options);
    const id = 'method' in message ? undefined : (message as { id?: string | number }).id;
    if (id !== undefined && this.#open.delete(id) && this.#open.size === 0) this.#wake();
  }

  close(): Promise<void> {
    this.#wake();
    return this.#inner.close();
  }

  /** Resolves once every request received so far has been answered, or after `maxMs`. */
  drained(maxMs: number): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
