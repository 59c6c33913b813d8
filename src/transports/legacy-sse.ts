import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createServer } from '../server.js';
import type { HttpContext } from './context.js';
import { readJson, sendBodyError, sendError } from './respond.js';
import type { HttpSession } from './session-map.js';

/** The path clients POST to; the endpoint event tells them, with their session id. */
export const MESSAGES_PATH = '/messages';

/**
 * `GET /sse`: the deprecated HTTP+SSE transport (protocol 2024-11-05), for clients that have not
 * moved to Streamable HTTP. The session lives exactly as long as this event stream, so everything
 * the server sends (background sampling included) has somewhere to go while it is open.
 */
export async function openSseSession(_req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<void> {
  // The deprecated class is the SDK's only server side of this transport.
  const transport = new SSEServerTransport(MESSAGES_PATH, res);
  const { mcp, channel } = createServer({
    engine: ctx.engine,
    approval: ctx.approval,
    logger: ctx.logger,
    samplingTimeoutMs: ctx.samplingTimeoutMs,
  });
  const session: HttpSession = { id: transport.sessionId, kind: 'sse', transport, mcp, channel, lastActive: ctx.sessions.now(), busy: 0 };
  transport.onclose = () => ctx.sessions.remove(session.id);
  ctx.sessions.add(session);
  res.once('close', ctx.sessions.begin(session));
  await mcp.connect(transport);
}

/** `POST /messages?sessionId=…`: one client message for a legacy SSE session. */
export async function postSseMessage(req: IncomingMessage, res: ServerResponse, url: URL, ctx: HttpContext): Promise<void> {
  const sessionId = url.searchParams.get('sessionId');
  if (!sessionId) return sendError(res, 400, 'Bad Request: sessionId query parameter is required');
  const session = ctx.sessions.get(sessionId);
  if (!session) return sendError(res, 404, 'Session not found');
  if (session.kind !== 'sse') {
    return sendError(res, 400, 'Bad Request: this session belongs to the Streamable HTTP transport; send its messages to /mcp');
  }
  const body = await readJson(req);
  if (!body.ok) return sendBodyError(res, body, ctx.logger);
  // The SDK would read a missing body itself, from a stream that is already drained.
  if (body.value === null || typeof body.value !== 'object') return sendError(res, 400, 'Bad Request: the body is not a JSON-RPC message');
  const end = ctx.sessions.begin(session);
  try {
    await (session.transport as SSEServerTransport).handlePostMessage(req, res, body.value);
  } catch (error) {
    // handlePostMessage has answered already (500 when the event stream is gone).
    ctx.logger.debug({ sessionId, err: error instanceof Error ? error.message : String(error) }, 'legacy SSE message refused');
  } finally {
    end();
  }
}
