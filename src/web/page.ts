import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendPage } from './assets.js';
import type { WebAuth } from './auth.js';
import { WebError } from './errors.js';
import { redirect, sendNotice } from './respond.js';

export interface PageContext {
  auth: WebAuth;
  root: string;
  onSignIn(how: 'login link' | 'token'): void;
}

/**
 * `GET /`: the app's page once signed in. `?login=<one-time code>` or `?token=<server token>`
 * sets the session cookie and redirects to the same address without the secret.
 */
export async function servePage(req: IncomingMessage, res: ServerResponse, url: URL, ctx: PageContext): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new WebError(405, 'METHOD_NOT_ALLOWED', 'The page is read with GET.');
  const code = url.searchParams.get('login');
  const token = url.searchParams.get('token');
  if (code !== null || token !== null) return signIn(res, url, ctx, code, token);
  if (ctx.auth.credential(req) === undefined) {
    return sendNotice(res, 401, 'Sign in to the web view', [
      'This server has a token. Open the one-time login link the server logged on stderr when it started ' +
        '("web view: open this one-time login link in a browser"), or open this address once with ?token=<the server token>.',
      'Signed in already? Your session ends when the server restarts; use the newest login link in its log.',
    ]);
  }
  await sendPage(res, ctx.root);
}

function signIn(res: ServerResponse, url: URL, ctx: PageContext, code: string | null, token: string | null): void {
  const clean = new URL(url.href);
  clean.searchParams.delete('login');
  clean.searchParams.delete('token');
  const target = `/${clean.search}`;
  if (!ctx.auth.required) return redirect(res, target);
  const cookie = code !== null ? ctx.auth.redeemCode(code) : ctx.auth.redeemToken(token ?? '');
  if (!cookie) {
    return sendNotice(res, 401, code !== null ? 'This login link does not work' : 'This token is not the server token', [
      code !== null
        ? 'Each login link works once. The server logs a new one-time link each time one is used: use the newest one.'
        : 'Check the token the server was started with (--token or ORCHESTRATE_TOKEN).',
    ]);
  }
  ctx.onSignIn(code !== null ? 'login link' : 'token');
  redirect(res, target, { 'Set-Cookie': cookie });
}
