import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { toErrorResult } from '../tools/result.js';
import { EnvelopeScanner, type Envelope } from './envelope-scan.js';
import { INVALID_REQUEST, MAX_MESSAGE_BYTES, tooLargeError, tooLargeRpcError } from './message-limit.js';

const NEWLINE = 0x0a;
const PARSE_ERROR = -32700;

export interface StdioTransportOptions {
  logger: Logger;
  maxMessageBytes?: number;
}

/**
 * Newline-delimited JSON-RPC over stdin/stdout. Unlike the SDK's stdio transport, which closes the
 * connection when a line outgrows its buffer (and the process then ends quietly), a line over the
 * limit is skipped as it streams in and answered with a REQUEST_TOO_LARGE error; the session goes on.
 * Ending on stdin EOF is the entry point's job.
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #logger: Logger;
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  /** Set while the current line is over the limit: it reads the envelope and keeps nothing else. */
  #oversized: EnvelopeScanner | undefined;

  constructor(stdin: Readable, stdout: Writable, options: StdioTransportOptions) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#logger = options.logger;
    this.#limit = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  async start(): Promise<void> {
    this.#stdin.on('data', this.#onData);
    this.#stdin.on('error', this.#onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.#stdout.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('error', this.#onError);
    if (this.#stdin.listenerCount('data') === 0) this.#stdin.pause();
    this.#chunks = [];
    this.#oversized = undefined;
    this.onclose?.();
  }

  readonly #onError = (error: Error): void => {
    this.onerror?.(error);
  };

  readonly #onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, from);
      this.#take(bytes, from, newline === -1 ? bytes.length : newline);
      if (newline === -1) return;
      this.#endLine();
      from = newline + 1;
    }
  };

  #take(bytes: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.#size += to - from;
    if (this.#oversized) return this.#oversized.push(bytes, from, to);
    this.#chunks.push(bytes.subarray(from, to));
    if (this.#size <= this.#limit) return;
    this.#oversized = new EnvelopeScanner();
    for (const held of this.#chunks) this.#oversized.push(held);
    this.#chunks = [];
  }

  #endLine(): void {
    const size = this.#size;
    const oversized = this.#oversized;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    this.#oversized = undefined;
    if (oversized) return this.#refuse(oversized.result(), size);
    const line = Buffer.concat(chunks, size).toString('utf8').replace(/\r$/, '');
    if (line.trim() !== '') this.#deliver(line);
  }

  #deliver(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#logger.warn({ bytes: Buffer.byteLength(line) }, 'stdio: a line that is not JSON was refused');
      return this.#reply({ jsonrpc: '2.0', error: { code: PARSE_ERROR, message: 'Parse error: the line is not JSON' } });
    }
    const message = JSONRPCMessageSchema.safeParse(value);
    if (message.success) return this.onmessage?.(message.data);
    this.#logger.warn('stdio: a line that is not a JSON-RPC message was refused');
    const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    // A malformed response has no one to answer to.
    if ('result' in fields || 'error' in fields) return;
    const known = typeof fields.id === 'string' || typeof fields.id === 'number' ? { id: fields.id } : {};
    this.#reply({ jsonrpc: '2.0', ...known, error: { code: INVALID_REQUEST, message: 'Invalid Request: not a JSON-RPC message' } });
  }

  /** A request gets a coded answer; a response the server waits for fails instead of hanging. */
  #refuse(envelope: Envelope, bytes: number): void {
    const { id, method } = envelope;
    this.#logger.warn({ bytes, limit: this.#limit, method, id }, 'stdio: a message over the size limit was refused');
    if (method === undefined && id !== undefined && (envelope.keys.has('result') || envelope.keys.has('error'))) {
      this.onmessage?.({ jsonrpc: '2.0', id, error: tooLargeRpcError(bytes, this.#limit) });
      return;
    }
    if (method !== undefined && id === undefined) return;
    const known = id === undefined ? {} : { id };
    if (method === 'tools/call' && id !== undefined) {
      const result = toErrorResult(tooLargeError(bytes, this.#limit));
      return this.#reply({ jsonrpc: '2.0', id, result } as JSONRPCMessage);
    }
    this.#reply({ jsonrpc: '2.0', ...known, error: tooLargeRpcError(bytes, this.#limit) } as JSONRPCMessage);
  }

  #reply(message: JSONRPCMessage | Record<string, unknown>): void {
    this.send(message as JSONRPCMessage).catch((error: unknown) => this.onerror?.(error as Error));
  }
}
