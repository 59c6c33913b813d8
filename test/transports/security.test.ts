/**
 * Every endpoint (/mcp, /sse, /messages) refuses a missing or wrong bearer token (401), a foreign
 * Origin (403) and a Host that is not this server (403, DNS rebinding) before any MCP code runs.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHttp, type TestHttp } from './support.js';

let server: TestHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1.0.0' } },
});

/** One raw HTTP request (node:http, because fetch may not set Host). Event streams are cut after the head. */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          return resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        }
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens `GET /sse` and reads the session id from its endpoint event. */
function openLegacyStream(base: string): Promise<{ sessionId: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/sse', base), { headers: { Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const match = /sessionId=([\w-]+)/.exec(text);
        if (match?.[1]) resolve({ sessionId: match[1], close: () => res.destroy() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The three endpoints, each with a request that would be accepted with the right credentials. */
const ENDPOINTS = [
  { name: 'POST /mcp', method: 'POST', path: '/mcp', body: INITIALIZE },
  { name: 'GET /sse', method: 'GET', path: '/sse' },
  { name: 'POST /messages', method: 'POST', path: '/messages?sessionId=whatever', body: '{}' },
] as const;

describe('bearer token', () => {
  it.each(ENDPOINTS)('answers $name with 401 without a token and with a wrong one', async ({ method, path, ...rest }) => {
    server = await startTestHttp({ token: 's3cret-token-value' });
    const body = 'body' in rest ? rest.body : undefined;
    const missing = await send(server.base, method, path, {}, body);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    const wrong = await send(server.base, method, path, { Authorization: 'Bearer s3cret-token-valuX' }, body);
    expect(wrong.status).toBe(401);
    const notBearer = await send(server.base, method, path, { Authorization: 'Basic s3cret-token-value' }, body);
    expect(notBearer.status).toBe(401);
  });

  it('lets clients with the token in over both transports', async () => {
    server = await startTestHttp({ token: 's3cret-token-value' });
    const accepted = await send(server.base, 'POST', '/mcp', { Authorization: 'Bearer s3cret-token-value' }, INITIALIZE);
    expect(accepted.status).toBe(200);
    for (const kind of ['streamable', 'sse'] as const) {
      const client = await server.connect(kind);
      const { tools } = await client.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['plan', 'approve', 'status', 'cancel']));
    }
  });
});

describe('Origin and Host checks', () => {
  it.each(ENDPOINTS)('answers $name with 403 for a foreign Origin or Host', async ({ method, path, ...rest }) => {
    server = await startTestHttp();
    const body = 'body' in rest ? rest.body : undefined;
    const origin = await send(server.base, method, path, { Origin: 'https://evil.example.com' }, body);
    expect(origin.status).toBe(403);
    expect(origin.body).toContain('Origin');
    const nullOrigin = await send(server.base, method, path, { Origin: 'null' }, body);
    expect(nullOrigin.status).toBe(403);
    const host = await send(server.base, method, path, { Host: `evil.example.com:${server.http.port}` }, body);
    expect(host.status).toBe(403);
    expect(host.body).toContain('Host');
    const otherPort = await send(server.base, method, path, { Host: `127.0.0.1:${server.http.port + 1}` }, body);
    expect(otherPort.status).toBe(403);
  });

  it('accepts loopback Host and Origin on its own port, and the configured extra ones', async () => {
    server = await startTestHttp({
      http: { allowedOrigins: ['https://app.example.com'], allowedHosts: ['orchestrate.internal'], sessionIdleMs: 60_000 },
    });
    const port = server.http.port;
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
      const reply = await send(server.base, 'POST', '/mcp', { Host: `${name}:${port}`, Origin: `http://${name}:${port}` }, INITIALIZE);
      expect(reply.status, name).toBe(200);
    }
    const extra = await send(server.base, 'POST', '/mcp', { Host: 'orchestrate.internal', Origin: 'https://app.example.com' }, INITIALIZE);
    expect(extra.status).toBe(200);
    const otherSite = await send(server.base, 'POST', '/mcp', { Origin: 'https://other.example.com' }, INITIALIZE);
    expect(otherSite.status).toBe(403);
  });
});

describe('sessions', () => {
  it('answers an unknown session id with 404 and a session id on the wrong transport with 400', async () => {
    server = await startTestHttp();
    const unknown = await send(
      server.base,
      'POST',
      '/mcp',
      { 'Mcp-Session-Id': 'no-such-session' },
      '{"jsonrpc":"2.0","id":2,"method":"ping"}',
    );
    expect(unknown.status).toBe(404);
    expect((await send(server.base, 'POST', '/messages?sessionId=no-such-session', {}, '{}')).status).toBe(404);

    const streamable = await server.connect('streamable');
    const streamableId = (streamable.transport as { sessionId?: string }).sessionId as string;
    const legacy = await openLegacyStream(server.base);
    expect(streamableId).toEqual(expect.any(String));

    const ping = '{"jsonrpc":"2.0","id":3,"method":"ping"}';
    const onMcp = await send(
      server.base,
      'POST',
      '/mcp',
      { 'Mcp-Session-Id': legacy.sessionId, 'Mcp-Protocol-Version': '2025-11-25' },
      ping,
    );
    expect(onMcp.status).toBe(400);
    expect(onMcp.body).toContain('legacy');
    const onMessages = await send(server.base, 'POST', `/messages?sessionId=${streamableId}`, {}, ping);
    expect(onMessages.status).toBe(400);
    expect(onMessages.body).toContain('Streamable HTTP');
    // Both sessions still work on their own transport.
    await streamable.client.ping();
    expect((await send(server.base, 'POST', `/messages?sessionId=${legacy.sessionId}`, {}, ping)).status).toBe(202);
    legacy.close();
  });

  it('refuses a request without a session that is not initialize, and unknown paths', async () => {
    server = await startTestHttp();
    expect((await send(server.base, 'POST', '/mcp', {}, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).status).toBe(400);
    expect((await send(server.base, 'POST', '/mcp', {}, 'not json')).status).toBe(400);
    expect((await send(server.base, 'GET', '/elsewhere')).status).toBe(404);
    expect((await send(server.base, 'PUT', '/sse')).status).toBe(405);
  });
});
