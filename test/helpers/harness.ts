import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type CallToolResult,
  type ElicitRequest,
  type ElicitResult,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { ActionPlugin } from '../../src/plugins/api.js';
import type { PluginSource } from '../../src/plugins/registry.js';
import { BASE_ENV_NAMES, pick } from '../../src/plugins/step-env.js';
import { createServer } from '../../src/server.js';
import type { ScriptedLlm } from './llm.js';

/** A scripted human answering elicitation forms; `signal` aborts when the server withdraws the form. */
export type ElicitHandler = (params: ElicitRequest['params'], extra: { signal: AbortSignal }) => Promise<ElicitResult>;

export interface ClientOptions {
  /** When given, the client declares `elicitation` and answers forms with it. */
  elicit?: ElicitHandler;
  /** When given, the client declares `roots` (with listChanged) and lists these. */
  roots?: () => Array<{ uri: string; name?: string }>;
}

export interface HarnessOptions extends ClientOptions {
  llm?: ScriptedLlm;
  config?: Partial<Config>;
  /** Plugin objects, or sources from loadPluginDirs / hostPluginDirs (plugin hosts stop when the app closes). */
  plugins?: ReadonlyArray<ActionPlugin<unknown> | PluginSource>;
  /** Reuse a database file (restart tests). */
  db?: string;
  workdir?: string;
}

export interface Harness {
  client: Client;
  app: App;
  dir: string;
  db: string;
  logs: LoggingMessageNotification['params'][];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool and returns its structured content, failing on isError. */
  ok<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  connectClient(llm?: ScriptedLlm, options?: ClientOptions): Promise<Client>;
  close(): Promise<void>;
}

/**
 * The shipped defaults, except that any binary may run (tests pick their commands freely; the
 * default allowlist has tests of its own). Pass `exec` to set an allowlist.
 */
export function testConfig(db: string, overrides: Partial<Config> = {}): Config {
  // The environment a user's shell would give the server, without this machine's credentials.
  const loaded = loadConfig([], { ...pick(process.env, BASE_ENV_NAMES), ORCHESTRATE_DB: db });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const { allowlist: _shipped, ...exec } = loaded.config.exec;
  return { ...loaded.config, exec, ...overrides };
}

/** A real server (engine, SQLite file, plugins) and a real MCP client over an in-memory transport. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-test-'));
  // The database lives outside the workdir, so steps that list what changed in it never see it.
  const dbDir = options.db ? undefined : mkdtempSync(join(tmpdir(), 'orchestrate-db-'));
  const db = options.db ?? join(dbDir as string, 'state.db');
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const config = testConfig(db, options.config);
  const app = createApp(config, { logger, ...(options.plugins ? { plugins: options.plugins } : {}), workdir: options.workdir ?? dir });
  const logs: LoggingMessageNotification['params'][] = [];
  const clients: Client[] = [];

  const connectClient = async (llm?: ScriptedLlm, clientOptions: ClientOptions = {}): Promise<Client> => {
    const { mcp } = createServer({
      engine: app.engine,
      approval: app.approval,
      clock: app.clock,
      logger,
      samplingTimeoutMs: config.samplingTimeoutMs,
    });
    const { elicit, roots } = clientOptions;
    const capabilities = {
      ...(llm ? { sampling: {} } : {}),
      ...(elicit ? { elicitation: {} } : {}),
      ...(roots ? { roots: { listChanged: true } } : {}),
    };
    const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities });
    if (elicit) client.setRequestHandler(ElicitRequestSchema, (request, extra) => elicit(request.params, extra));
    if (roots) client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots() }));
    if (llm) {
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
        role: 'assistant',
        model: 'scripted-model',
        stopReason: 'endTurn',
        content: { type: 'text', text: await llm.answer(request.params) },
      }));
    }
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    await client.connect(clientSide);
    clients.push(client);
    return client;
  };

  const client = await connectClient(options.llm, {
    ...(options.elicit ? { elicit: options.elicit } : {}),
    ...(options.roots ? { roots: options.roots } : {}),
  });
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    app,
    dir,
    db,
    logs,
    call,
    async ok(name, args = {}) {
      return structuredOrThrow(name, await call(name, args));
    },
    connectClient,
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      // No drain: a test that leaves work running wants it settled now.
      await app.close({ drainMs: 0 });
      // A test that hands in its own database reuses this folder after a restart, and removes it itself.
      if (!options.db) rmSync(dir, { recursive: true, force: true });
      if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/** The structured content of a successful tool result; a failed one fails the test with its text. */
export function structuredOrThrow<T>(name: string, result: CallToolResult): T {
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** The error code of an isError result. */
export function errorCode(result: CallToolResult): string | undefined {
  return (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
}
