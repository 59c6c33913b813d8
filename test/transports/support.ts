/**
 * The real HTTP server on a loopback port, in-process, with real MCP clients over Streamable HTTP
 * and legacy SSE, and a raw-fetch client for what the SDK client would never do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { createApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { startHttpServer, type HttpServer } from '../../src/transports/http.js';
import { structuredOrThrow, testConfig } from '../helpers/harness.js';
import type { ScriptedLlm } from '../helpers/llm.js';

export type TransportKind = 'streamable' | 'sse';

export interface TestClient {
  client: Client;
  transport: Transport;
  /** Log notifications the server sent this client (step events of the tasks it follows). */
  logs: LoggingMessageNotification['params'][];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  ok<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Ends the session the way a well-behaved client does (Streamable HTTP: DELETE) and disconnects. */
  leave(): Promise<void>;
}

export interface TestHttp {
  app: App;
  http: HttpServer;
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  dir: string;
  token?: string;
  connect(kind: TransportKind, llm?: ScriptedLlm): Promise<TestClient>;
  close(): Promise<void>;
}

/** Starts the real HTTP server on 127.0.0.1, port 0, with a temporary database. */
export async function startTestHttp(overrides: Partial<Config> = {}): Promise<TestHttp> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-http-'));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const config = testConfig(join(dir, 'state.db'), { transport: 'http', port: 0, ...overrides });
  const app = createApp(config, { logger, workdir: dir });
  const http = await startHttpServer(app, config, logger);
  const base = `http://127.0.0.1:${http.port}`;
  const clients: Client[] = [];
  const headers: Record<string, string> = config.token ? { Authorization: `Bearer ${config.token}` } : {};

  return {
    app,
    http,
    base,
    dir,
    ...(config.token ? { token: config.token } : {}),
    async connect(kind, llm) {
      const client = new Client({ name: `test-${kind}`, version: '1.0.0' }, { capabilities: llm ? { sampling: {} } : {} });
      if (llm) {
        client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
          role: 'assistant',
          model: 'scripted-model',
          stopReason: 'endTurn',
          content: { type: 'text', text: await llm.answer(request.params) },
        }));
      }
      const logs: LoggingMessageNotification['params'][] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(n.params);
      });
      const transport =
        kind === 'streamable'
          ? new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } })
          : new SSEClientTransport(new URL(`${base}/sse`), { requestInit: { headers } });
      await client.connect(transport);
      clients.push(client);
      const call = async (name: string, args: Record<string, unknown> = {}) =>
        (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
      return {
        client,
        transport,
        logs,
        call,
        async ok(name, args = {}) {
          return structuredOrThrow(name, await call(name, args));
        },
        async leave() {
          if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession();
          await client.close();
        },
      };
    },
    async close() {
      for (const client of clients) await client.close().catch(() => {});
      await http.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawSession {
  sessionId: string;
  /** Sends one JSON-RPC request by POST and returns its response message (read off the SSE reply). */
  request(method: string, params?: Record<string, unknown>): Promise<any>;
  notify(method: string, params?: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A Streamable HTTP client made of plain POSTs that never opens the session's GET stream, as some
 * clients do: requests the server makes from background work cannot reach it.
 */
export async function rawSession(base: string, capabilities: Record<string, unknown>): Promise<RawSession> {
  let nextId = 1;
  let sessionId = '';
  const post = (body: unknown) =>
    fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(sessionId ? { 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': '2025-11-25' } : {}),
      },
      body: JSON.stringify(body),
    });
  const request = async (method: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    const response = await post({ jsonrpc: '2.0', id, method, params });
    if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
    sessionId ||= response.headers.get('mcp-session-id') ?? '';
    const messages = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { id?: number });
    return messages.find((m) => m.id === id);
  };
  await request('initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1.0.0' } });
  const notify = (method: string, params: Record<string, unknown> = {}) => post({ jsonrpc: '2.0', method, params });
  await notify('notifications/initialized');
  return {
    sessionId,
    request,
    notify,
    async close() {
      await fetch(`${base}/mcp`, { method: 'DELETE', headers: { 'Mcp-Session-Id': sessionId } });
    },
  };
}
