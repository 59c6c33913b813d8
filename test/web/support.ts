/**
 * The real HTTP server on a loopback port, in-process, with a token and a logger whose lines the
 * test can read (the login link is logged), plus an MCP client over Streamable HTTP that plans
 * tasks the way a real client does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { createApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { startHttpServer, type HttpServer } from '../../src/transports/http.js';
import { structuredOrThrow, testConfig } from '../helpers/harness.js';

export const TOKEN = 'web-test-token-0123456789abcdef';

export interface LogLine {
  level: number;
  msg: string;
  url?: string;
  [key: string]: unknown;
}

export interface WebServer {
  app: App;
  http: HttpServer;
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  dir: string;
  logs: LogLine[];
  /** The newest one-time login link the server logged. */
  loginLink(): string;
  /** Plans a task through the MCP `plan` tool with host-written steps; returns its id and plan hash. */
  plan(request: string, steps: unknown[]): Promise<{ taskId: string; planHash: string }>;
  close(): Promise<void>;
}

export async function startWebServer(overrides: Partial<Config> = {}): Promise<WebServer> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-web-'));
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const config = testConfig(join(dir, 'state.db'), { transport: 'http', port: 0, token: TOKEN, ...overrides });
  const app = createApp(config, { logger, workdir: dir });
  let http: HttpServer;
  try {
    http = await startHttpServer(app, config, logger);
  } catch (error) {
    await app.close();
    throw error;
  }
  const base = `http://127.0.0.1:${http.port}`;
  let client: Client | undefined;
  const mcp = async (): Promise<Client> => {
    if (client) return client;
    const headers: Record<string, string> = config.token ? { Authorization: `Bearer ${config.token}` } : {};
    const fresh = new Client({ name: 'web-test', version: '1.0.0' });
    await fresh.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }));
    client = fresh;
    return fresh;
  };
  return {
    app,
    http,
    base,
    dir,
    logs,
    loginLink() {
      const line = logs.filter((l) => typeof l.url === 'string' && l.url.includes('?login=')).at(-1);
      if (!line?.url) throw new Error('no login link was logged');
      return line.url;
    },
    async plan(request, steps) {
      const result = (await (await mcp()).callTool({ name: 'plan', arguments: { request, steps } })) as CallToolResult;
      return structuredOrThrow<{ taskId: string; planHash: string }>('plan', result);
    },
    async close() {
      try {
        await client?.close().catch(() => {});
        await http.close();
      } finally {
        await app.close({ drainMs: 0 });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

/** One raw HTTP request (node:http: fetch would not let the test set Host, or leave Origin out on purpose). */
export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs in with the newest login link; returns the Cookie header value a browser would send. */
export async function signIn(server: WebServer): Promise<string> {
  const link = new URL(server.loginLink());
  const reply = await send(server.base, 'GET', `${link.pathname}${link.search}`);
  const cookie = String(reply.headers['set-cookie'] ?? '').split(';')[0];
  if (reply.status !== 303 || !cookie) throw new Error(`sign-in failed: ${reply.status} ${reply.body}`);
  return cookie;
}

/**
 * Opens `/api/events` and collects the task ids of its events; `close()` ends the stream.
 * Resolves once the stream's head arrived.
 */
export function openEvents(base: string, headers: Record<string, string>): Promise<{ status: number; taskIds: string[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/events', base), { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const taskIds: string[] = [];
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (/^event: task$/m.test(event) && data) taskIds.push((JSON.parse(data) as { taskId: string }).taskId);
        }
      });
      res.on('error', () => {});
      resolve({ status: res.statusCode ?? 0, taskIds, close: () => res.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
