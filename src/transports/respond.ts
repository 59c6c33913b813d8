import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { MAX_MESSAGE_BYTES, tooLargeRpcError } from './message-limit.js';

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/** Answers with a JSON-RPC error body, the shape MCP clients expect from a refused HTTP request. */
export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendRpcError(res, status, { code: status === 404 ? -32001 : -32000, message }, headers);
}

export function sendRpcError(res: ServerResponse, status: number, error: RpcErrorBody, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: RpcErrorBody };

/**
 * Reads and parses a JSON request body (the MCP transports take it pre-parsed). A body over the
 * message limit is refused as soon as it passes the limit, without reading the rest.
 */
export async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MESSAGE_BYTES) return { ok: false, status: 413, error: tooLargeRpcError(undefined) };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: { code: -32700, message: 'Parse error: the body is not JSON' } };
  }
}

/** Answers a body `readJson` refused; the connection closes, as the rest of a too-large body is never read. */
export function sendBodyError(res: ServerResponse, body: Extract<JsonBody, { ok: false }>, logger: Logger): void {
  if (body.status === 413) logger.warn({ limit: MAX_MESSAGE_BYTES }, 'HTTP: a request body over the size limit was refused');
  sendRpcError(res, body.status, body.error, body.status === 413 ? { Connection: 'close' } : {});
}

/** Calls `onSent` if the response starts with `status` (e.g. an event stream that was accepted). */
export function onHead(res: ServerResponse, status: number, onSent: () => void): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  // The SDK writes the head inside its own request listener; wrapping writeHead is the one place
  // we can see that it accepted a stream rather than refused it.
  res.writeHead = ((code: number, ...rest: unknown[]) => {
    if (code === status) onSent();
    return writeHead(code, ...rest);
  }) as ServerResponse['writeHead'];
}
