import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { HttpContext } from './context.js';
import { createGuard } from './guard.js';
import { openSseSession, postSseMessage, MESSAGES_PATH } from './legacy-sse.js';
import { urlHost } from './loopback.js';
import { sendError } from './respond.js';
import { SessionMap } from './session-map.js';
import { handleStreamable } from './streamable.js';
import { engineOperator } from '../web/operator.js';
import { createWebView, isWebPath } from '../web/web-view.js';

export interface HttpServer {
  /** The Streamable HTTP endpoint, e.g. http://127.0.0.1:3939/mcp. */
  url: string;
  port: number;
  /** Stops accepting, closes every session, then drops the remaining connections. The engine is not closed. */
  close(): Promise<void>;
}

type HttpConfig = Pick<Config, 'host' | 'port' | 'token' | 'http' | 'samplingTimeoutMs'>;

/**
 * Serves Streamable HTTP at `/mcp` and the legacy HTTP+SSE transport at `/sse` + `/messages` on
 * one port, one McpServer per session over the app's shared engine, and the web view at `/`,
 * `/assets/*` and `/api/*`. Every request passes the Host / Origin / bearer-token guard first
 * (the web view accepts its session cookie in place of the token).
 */
export async function startHttpServer(
  app: Pick<App, 'engine' | 'approval' | 'clock'>,
  config: Readonly<HttpConfig>,
  logger: Logger,
): Promise<HttpServer> {
  const sessions = new SessionMap({ idleMs: config.http.sessionIdleMs, engine: app.engine, logger, clock: app.clock });
  const ctx: HttpContext = { engine: app.engine, approval: app.approval, logger, samplingTimeoutMs: config.samplingTimeoutMs, sessions };
  let port = config.port;
  const checks = {
    host: config.host,
    port: () => port,
    allowedOrigins: config.http.allowedOrigins,
    allowedHosts: config.http.allowedHosts,
  };
  const guard = createGuard({ ...checks, ...(config.token !== undefined ? { token: config.token } : {}) });
  // The web view runs the same checks but signs browsers in with a cookie instead of the bearer token.
  const web = createWebView({
    operator: engineOperator(app.engine),
    logger,
    ...(config.token !== undefined ? { token: config.token } : {}),
    port: () => port,
    guard: createGuard(checks),
  });
  let closing = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (closing) return sendError(res, 503, 'The server is shutting down', { Connection: 'close' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (isWebPath(url.pathname)) return web.handle(req, res, url);
    const refused = guard(req);
    if (refused) {
      logger.debug({ method: req.method, url: req.url, status: refused.status }, refused.message);
      return sendError(res, refused.status, refused.message, refused.headers);
    }
    switch (url.pathname) {
      case '/mcp':
        return handleStreamable(req, res, ctx);
      case '/sse':
        return req.method === 'GET' ? openSseSession(req, res, ctx) : sendError(res, 405, 'Method not allowed', { Allow: 'GET' });
      case MESSAGES_PATH:
        return req.method === 'POST' ? postSseMessage(req, res, url, ctx) : sendError(res, 405, 'Method not allowed', { Allow: 'POST' });
      default:
        return sendError(res, 404, `Not found: ${url.pathname} (MCP is served at /mcp, legacy SSE at /sse)`);
    }
  };

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ method: req.method, url: req.url, err: errorMessage(error) }, 'HTTP request failed');
      sendError(res, 500, 'Internal server error');
    });
  });
  port = await listen(server, config.port, config.host);
  const wildcard = ['0.0.0.0', '::', '[::]', ''].includes(config.host);
  web.announce(`http://${wildcard ? '127.0.0.1' : urlHost(config.host)}:${port}`);
  return {
    url: `http://${urlHost(config.host)}:${port}/mcp`,
    port,
    async close() {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await sessions.closeAll();
      web.close();
      // Event streams and idle keep-alive sockets would hold server.close() open.
      server.closeAllConnections();
      await stopped;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
