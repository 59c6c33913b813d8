/**
 * HTTP hygiene over loopback: headers that must be single (Host, Authorization, Origin,
 * Mcp-Session-Id) sent twice get 400, tested with raw sockets since fetch never sends duplicates;
 * bodies over the 4 MiB message limit get 413 with a JSON-RPC error coded REQUEST_TOO_LARGE on
 * every endpoint, legacy /messages included.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawSession, startTestHttp, type TestHttp } from './support.js';

const MiB = 1024 * 1024;
let server: TestHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
});

interface RawReply {
  status: number;
  body: string;
}

/** One request written byte for byte on a socket; an accepted event stream is cut after its head. */
function rawRequest(port: number, headers: string[], body = INITIALIZE): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (): void => {
      const [head = '', rest = ''] = data.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: rest });
    };
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('utf8');
      if (/^HTTP\/1\.1 200[\s\S]*\r\n\r\n/.test(data) && /content-type: text\/event-stream/i.test(data)) {
        socket.destroy();
        done();
      }
    });
    socket.on('close', done);
    socket.on('error', reject);
    const lines = [
      'POST /mcp HTTP/1.1',
      ...headers,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ];
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

/** A POST through node:http; the server may answer before it has read the whole body. */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // Writing the rest of a refused body may fail once the server closes; the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(error.code ?? '') ? undefined : reject(error)));
    req.end(body);
  });
}

/** Opens `GET /sse` and returns the URL its endpoint event names for posting messages. */
function legacyEndpoint(base: string): Promise<{ endpoint: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/sse', base), { headers: { Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const path = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
        if (path) resolve({ endpoint: new URL(path, base).toString(), close: () => res.destroy() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headers that must be single', () => {
  const host = (port: number) => `Host: 127.0.0.1:${port}`;

  it('accepts one Host header (the control)', async () => {
    server = await startTestHttp();
    expect((await rawRequest(server.http.port, [host(server.http.port)])).status).toBe(200);
  });

  it('refuses two Host headers with 400, even when the first is loopback', async () => {
    server = await startTestHttp();
    const reply = await rawRequest(server.http.port, [host(server.http.port), 'Host: evil.example']);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ jsonrpc: '2.0', error: { message: 'Bad Request: more than one Host header' } });
  });

  it('refuses two Authorization headers with 400, even when the first holds the token', async () => {
    server = await startTestHttp({ token: 'secret-token-1234567890' });
    const port = server.http.port;
    expect((await rawRequest(port, [host(port), 'Authorization: Bearer secret-token-1234567890'])).status).toBe(200);
    const reply = await rawRequest(port, [host(port), 'Authorization: Bearer secret-token-1234567890', 'authorization: Bearer other']);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('more than one authorization header');
  });

  it('refuses two Origin headers with 400', async () => {
    server = await startTestHttp();
    const port = server.http.port;
    const origin = `Origin: http://127.0.0.1:${port}`;
    expect((await rawRequest(port, [host(port), origin])).status).toBe(200);
    expect((await rawRequest(port, [host(port), origin, origin])).status).toBe(400);
  });

  it('refuses two Mcp-Session-Id headers with 400', async () => {
    server = await startTestHttp();
    const port = server.http.port;
    const session = await rawSession(server.base, {});
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const id = `Mcp-Session-Id: ${session.sessionId}`;
    const version = 'Mcp-Protocol-Version: 2025-11-25';
    expect((await rawRequest(port, [host(port), id, version], list)).status).toBe(200);
    expect((await rawRequest(port, [host(port), id, id, version], list)).status).toBe(400);
    await session.close();
  });
});

describe('bodies over the message limit', () => {
  const tooLarge = JSON.stringify({
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'plan', arguments: { request: 'x'.repeat(5 * MiB) } },
  });

  function expectTooLarge(reply: RawReply): void {
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32600, data: { code: 'REQUEST_TOO_LARGE', details: { limit: 4 * MiB } } },
    });
  }

  it('answers 413 with REQUEST_TOO_LARGE on /mcp, before and within a session, and keeps serving', async () => {
    server = await startTestHttp();
    expectTooLarge(await post(`${server.base}/mcp`, tooLarge));
    const session = await rawSession(server.base, {});
    expectTooLarge(
      await post(`${server.base}/mcp`, tooLarge, { 'Mcp-Session-Id': session.sessionId, 'Mcp-Protocol-Version': '2025-11-25' }),
    );
    // A body under the limit is read whole: the plan is refused by its schema, not by the transport.
    const steps = [{ description: 'd', action: 'plan', output: 'o'.repeat(3 * MiB) }];
    const refused = await session.request('tools/call', { name: 'plan', arguments: { request: 'r', steps } });
    expect(refused.result.isError).toBe(true);
    expect(refused.result.content[0].text).toContain('bytes as JSON');
    expect((await session.request('tools/list')).result.tools.length).toBeGreaterThan(0);
    await session.close();
  });

  it('answers 413 with REQUEST_TOO_LARGE on legacy /messages', async () => {
    server = await startTestHttp();
    const stream = await legacyEndpoint(server.base);
    try {
      expectTooLarge(await post(stream.endpoint, tooLarge));
      expect((await post(stream.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }))).status).toBe(202);
    } finally {
      stream.close();
    }
  });
});
