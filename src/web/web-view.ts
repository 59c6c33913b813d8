import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { handleApi } from './api.js';
import { findWebRoot, sendAsset } from './assets.js';
import { WebAuth } from './auth.js';
import { toWebError, WebError } from './errors.js';
import { EventStreams } from './events.js';
import type { Operator } from './operator.js';
import { servePage } from './page.js';
import { sendJson, sendNotice } from './respond.js';

/** Open `/api/events` streams at most (each holds a listener on every task change). */
const MAX_STREAMS = 64;

export interface WebViewOptions {
  operator: Operator;
  logger: Logger;
  token?: string;
  /** The port actually bound. */
  port: () => number;
  /** The MCP endpoints' Host, Origin and repeated-header checks, without the token: the web view signs in its own way. */
  guard: (req: IncomingMessage) => { status: number; message: string } | undefined;
}

export interface WebView {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Logs where to open the view; with a token, a one-time login link (never the token). */
  announce(base: string): void;
  /** Ends the open event streams. */
  close(): void;
}

/** The paths the web view serves: the page, its files and its API. */
export function isWebPath(pathname: string): boolean {
  return pathname === '/' || pathname.startsWith('/assets/') || pathname === '/api' || pathname.startsWith('/api/');
}

/** The live web view: `/` (the page), `/assets/*` (its files, from the package's web/ folder), `/api/*` (JSON and events). */
export function createWebView(options: WebViewOptions): WebView {
  const { operator, logger, guard } = options;
  const root = findWebRoot();
  const auth = new WebAuth({ ...(options.token !== undefined ? { token: options.token } : {}), port: options.port });
  const streams = new EventStreams(operator, MAX_STREAMS);
  let base = '';
  const serveApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const credential = auth.credential(req);
    if (!credential) throw new WebError(401, 'AUTH_REQUIRED', 'Not signed in.');
    if (req.method === 'POST') refuseCrossSite(req, credential === 'bearer' || (!auth.required && hasBearer(req)));
    await handleApi({ req, res, url, operator, streams });
  };
  const onSignIn = (how: string): void => {
    logger.info({ how }, 'web view: a browser signed in');
    if (how === 'login link') logger.info({ url: loginLink(base, auth) }, 'web view: a new one-time login link, for another browser');
  };

  return {
    async handle(req, res, url) {
      const api = url.pathname === '/api' || url.pathname.startsWith('/api/');
      try {
        const refused = guard(req);
        if (refused) throw guardError(refused);
        if (api) return await serveApi(req, res, url);
        if (!root) throw new WebError(404, 'ROUTE_NOT_FOUND', 'The files of the web view (web/) are not installed with this package.');
        if (!url.pathname.startsWith('/assets/')) return await servePage(req, res, url, { auth, root, onSignIn });
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new WebError(405, 'METHOD_NOT_ALLOWED', 'Assets are read with GET.');
        await sendAsset(res, root, url.pathname.slice('/assets/'.length));
      } catch (error) {
        const { status, body, unexpected } = toWebError(error);
        if (unexpected) logger.error({ method: req.method, url: url.pathname, err: unexpected }, 'web view request failed');
        else logger.debug({ method: req.method, url: url.pathname, status, code: body.error.code }, body.error.message);
        if (api) sendJson(res, status, body, status === 401 ? { 'WWW-Authenticate': 'Bearer realm="orchestrate-mcp"' } : {});
        else sendNotice(res, status, body.error.message, [body.error.hint]);
      }
    },
    announce(origin) {
      base = origin;
      if (auth.required) logger.info({ url: loginLink(base, auth) }, 'web view: open this one-time login link in a browser');
      else logger.info({ url: `${base}/` }, 'web view: open this address in a browser');
    },
    close() {
      streams.closeAll();
    },
  };
}

function loginLink(base: string, auth: WebAuth): string {
  return `${base}/?login=${auth.loginCode ?? ''}`;
}

function guardError(refused: { status: number; message: string }): WebError {
  if (refused.status === 400) return new WebError(400, 'BAD_HEADERS', refused.message);
  if (refused.status === 403 && refused.message.includes('Host header')) return new WebError(403, 'HOST_NOT_ALLOWED', refused.message);
  return new WebError(403, 'ORIGIN_NOT_ALLOWED', refused.message);
}

function hasBearer(req: IncomingMessage): boolean {
  return /^Bearer\s+\S/i.test(req.headers.authorization ?? '');
}

/**
 * CSRF: a state change must come from a page of this server (an Origin the guard accepted) or
 * from a client holding the bearer token, which no cross-site page can send.
 */
function refuseCrossSite(req: IncomingMessage, bearer: boolean): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !bearer) {
    throw new WebError(403, 'ORIGIN_NOT_ALLOWED', `A ${site} request may not change anything.`);
  }
  if (req.headers.origin === undefined && !bearer)
    throw new WebError(403, 'ORIGIN_REQUIRED', 'A POST without Origin and without a bearer token.');
}
