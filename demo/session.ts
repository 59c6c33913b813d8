import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  type CreateMessageRequest,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';

export type SamplingParams = CreateMessageRequest['params'];
export type LogParams = LoggingMessageNotification['params'];

export interface SessionOptions {
  root: string;
  db: string;
  /** Answers `sampling/createMessage`; declared as the client's `sampling` capability. */
  onSample?: (params: SamplingParams) => Promise<string>;
  onLog?: (params: LogParams) => void;
}

/** The real server process, spoken to over stdio by a real MCP client. */
export interface Session {
  client: Client;
  /** The command line, for display. */
  commandLine: string;
  /** What the server wrote to stderr (its pino logs), for when something goes wrong. */
  stderr(): string;
  /** Calls a tool and returns its structured content; a tool error becomes a thrown Error. */
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startSession(options: SessionOptions): Promise<Session> {
  // In-process: the demo's database is thrown away at the end, so nothing should outlive the demo.
  const args = [join(options.root, 'bin', 'orchestrate-mcp.js'), '--db', options.db, '--log-level', 'warn', '--inline'];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: options.root,
    env: getDefaultEnvironment(),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const client = new Client({ name: 'orchestrate-demo', version: '1.0.0' }, { capabilities: options.onSample ? { sampling: {} } : {} });
  const onSample = options.onSample;
  if (onSample) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant' as const,
      model: 'scripted-demo-llm',
      stopReason: 'endTurn',
      content: { type: 'text' as const, text: await onSample(request.params) },
    }));
  }
  const onLog = options.onLog;
  if (onLog) client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => onLog(notification.params));

  await client.connect(transport);
  if (onLog) await client.setLoggingLevel('info');
  return {
    client,
    commandLine: `node bin/orchestrate-mcp.js ${args.slice(1).join(' ')}`,
    stderr: () => stderr,
    async call(name, toolArgs) {
      const result = await client.callTool({ name, arguments: toolArgs }, undefined, { timeout: 60_000 });
      if (result.isError) {
        const text = Array.isArray(result.content) ? result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') : '';
        throw new Error(`${name} returned an error: ${text}`);
      }
      return (result.structuredContent ?? {}) as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}
