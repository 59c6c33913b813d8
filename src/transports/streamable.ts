import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from '../server.js';
import type { HttpContext } from './context.js';
import { onHead, readJson, sendBodyError, sendError } from './respond.js';
import type { HttpSession } from './session-map.js';
import { StreamGate } from './stream-gate.js';

/**
 * `/mcp`: Streamable HTTP with stateful sessions. An initialize request without a session id
 * opens a session (its own McpServer over the shared engine); every other request names its
 * session in `Mcp-Session-Id`, and an unknown id is 404 so the client starts a new session.
 */
export async function handleStreamable(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<void> {
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string') {
    const session = ctx.sessions.get(sessionId);
    if (!session) return sendError(res, 404, 'Session not found');
    if (session.kind !== 'streamable') {
      return sendError(
        res,
        400,
        'Bad Request: this session belongs to the legacy HTTP+SSE transport; POST its messages to /messages?sessionId=…',
      );
    }
    if (req.method !== 'POST') return serve(session, req, res, ctx);
    // Read here rather than by the SDK, so a too-large body gets the same coded refusal everywhere.
    const body = await readJson(req);
    if (!body.ok) return sendBodyError(res, body, ctx.logger);
    return serve(session, req, res, ctx, body.value);
  }
  if (req.method !== 'POST') {
    if (req.method === 'GET' || req.method === 'DELETE') return sendError(res, 400, 'Bad Request: Mcp-Session-Id header is required');
    return sendError(res, 405, 'Method not allowed', { Allow: 'GET, POST, DELETE' });
  }
  const body = await readJson(req);
  if (!body.ok) return sendBodyError(res, body, ctx.logger);
  const messages = Array.isArray(body.value) ? body.value : [body.value];
  if (!messages.some((m) => isInitializeRequest(m))) {
    return sendError(res, 400, 'Bad Request: no valid session id; send initialize first');
  }
  const session = await openSession(ctx);
  await serve(session, req, res, ctx, body.value);
  // A refused initialize (bad Accept header, say) never got an id: nothing else can reach it.
  if (!session.id) await session.mcp.close();
}

async function openSession(ctx: HttpContext): Promise<HttpSession> {
  const gate = new StreamGate();
  const { mcp, channel } = createServer({
    engine: ctx.engine,
    approval: ctx.approval,
    logger: ctx.logger,
    samplingTimeoutMs: ctx.samplingTimeoutMs,
    background: gate,
  });
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      session.id = id;
      ctx.sessions.add(session);
    },
  });
  const session: HttpSession = { id: '', kind: 'streamable', transport, gate, mcp, channel, lastActive: ctx.sessions.now(), busy: 0 };
  // Set before connect: the McpServer chains its own close handling after ours.
  transport.onclose = () => ctx.sessions.remove(session.id);
  await mcp.connect(transport);
  return session;
}

async function serve(session: HttpSession, req: IncomingMessage, res: ServerResponse, ctx: HttpContext, body?: unknown): Promise<void> {
  const end = ctx.sessions.begin(session);
  res.once('close', end);
  const gate = session.gate;
  if (req.method === 'GET' && gate) {
    // Background requests (sampling for research steps and replans) can reach the client only
    // while this stream is open; the SDK would drop them silently otherwise.
    onHead(res, 200, () => {
      gate.opened();
      ctx.engine.sessions.touch(session.channel.id);
      res.once('close', () => gate.closed());
    });
  }
  const transport = session.transport as StreamableHTTPServerTransport;
  await transport.handleRequest(req, res, body);
}
