import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers with a JSON-RPC error body, the shape MCP clients expect from a refused HTTP request. */
export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const code = status === 404 ? -32001 : -32000;
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string };

/** Reads and parses a JSON request body (the MCP transports take it pre-parsed). */
export async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, message: `Request body larger than ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not JSON' };
  }
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
