/**
 * Who may use the web view: the one-time login link and ?token= set a session cookie; the API
 * takes that cookie or the bearer token; Host and Origin are checked as for MCP; a POST needs an
 * Origin of this server or the bearer token (CSRF).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { send, signIn, startWebServer, TOKEN, type WebServer } from './support.js';

let server: WebServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pathOf = (link: string): string => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

describe('sign-in', () => {
  it('logs a one-time login link at info on start, never the token', async () => {
    server = await startWebServer();
    const line = server.logs.find((l) => l.url?.includes('?login='));
    expect(line).toMatchObject({ level: 30, msg: 'web view: open this one-time login link in a browser' });
    expect(line?.url).toMatch(new RegExp(`^${server.base}/\\?login=[\\w-]{20,}$`));
    expect(JSON.stringify(server.logs)).not.toContain(TOKEN);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie and redirects to / without the code', async () => {
    server = await startWebServer();
    const before = await send(server.base, 'GET', '/');
    expect(before.status).toBe(401);
    expect(before.body).toContain('one-time login link');
    const login = await send(server.base, 'GET', pathOf(server.loginLink()));
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^orchestrate_session_${server.http.port}=[\\w-]{40,}; HttpOnly; SameSite=Strict; Path=/$`));
    const page = await send(server.base, 'GET', '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
  });

  it('accepts a login code once; the next link the server logs works, the spent one does not', async () => {
    server = await startWebServer();
    const first = server.loginLink();
    expect((await send(server.base, 'GET', pathOf(first))).status).toBe(303);
    const again = await send(server.base, 'GET', pathOf(first));
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('Each login link works once');
    const next = server.loginLink();
    expect(next).not.toBe(first);
    expect((await send(server.base, 'GET', pathOf(next))).status).toBe(303);
    expect((await send(server.base, 'GET', '/?login=made-up-code')).status).toBe(401);
  });

  it('signs in with ?token=<the server token> and keeps other query parameters', async () => {
    server = await startWebServer();
    const ok = await send(server.base, 'GET', `/?task=abc&token=${TOKEN}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/?task=abc');
    expect(String(ok.headers['set-cookie'])).toContain('HttpOnly');
    const wrong = await send(server.base, 'GET', '/?token=not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('does not let the session cookie stand in for the token on /mcp', async () => {
    server = await startWebServer();
    const cookie = await signIn(server);
    const mcp = await send(
      server.base,
      'POST',
      '/mcp',
      { Cookie: cookie, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      '{}',
    );
    expect(mcp.status).toBe(401);
  });
});

describe('API access', () => {
  it('answers 401 AUTH_REQUIRED without a cookie or bearer, or with a forged cookie', async () => {
    server = await startWebServer();
    const attempts: Array<Record<string, string>> = [
      {},
      { Cookie: `orchestrate_session_${server.http.port}=forged` },
      { Authorization: 'Bearer wrong' },
    ];
    for (const headers of attempts) {
      const reply = await send(server.base, 'GET', '/api/tasks', headers);
      expect(reply.status).toBe(401);
      expect(reply.json.error).toMatchObject({
        code: 'AUTH_REQUIRED',
        message: expect.any(String),
        hint: expect.stringContaining('login link'),
      });
    }
    expect((await send(server.base, 'GET', '/api/tasks', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await send(server.base, 'GET', '/api/tasks', { Cookie: await signIn(server) })).status).toBe(200);
  });

  it('answers 403 for a foreign Origin or Host and 400 for a repeated Origin, signed in or not', async () => {
    server = await startWebServer();
    const cookie = await signIn(server);
    const foreign = await send(server.base, 'GET', '/api/tasks', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.code).toBe('ORIGIN_NOT_ALLOWED');
    const rebinding = await send(server.base, 'GET', '/api/tasks', { Cookie: cookie, Host: `evil.example:${server.http.port}` });
    expect(rebinding.status).toBe(403);
    expect(rebinding.json.error.code).toBe('HOST_NOT_ALLOWED');
    expect((await send(server.base, 'GET', pathOf(server.loginLink()), { Host: 'evil.example' })).status).toBe(403);
    const page = await send(server.base, 'GET', '/', { Cookie: cookie, Host: 'evil.example' });
    expect(page.status).toBe(403);
  });

  it('refuses a POST without Origin and without bearer (CSRF), and a cross-site one', async () => {
    server = await startWebServer();
    const cookie = await signIn(server);
    const { taskId } = await server.plan('csrf probe', [{ description: 'say hi', action: 'plan', output: 'hi' }]);
    const json = { 'Content-Type': 'application/json' };
    const bare = await send(server.base, 'POST', `/api/tasks/${taskId}/reject`, { Cookie: cookie, ...json }, '{}');
    expect(bare.status).toBe(403);
    expect(bare.json.error.code).toBe('ORIGIN_REQUIRED');
    const crossSite = await send(
      server.base,
      'POST',
      `/api/tasks/${taskId}/reject`,
      { Cookie: cookie, Origin: server.base, 'Sec-Fetch-Site': 'cross-site', ...json },
      '{}',
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.error.code).toBe('ORIGIN_NOT_ALLOWED');
    const form = await send(
      server.base,
      'POST',
      `/api/tasks/${taskId}/reject`,
      { Cookie: cookie, Origin: server.base, 'Content-Type': 'text/plain' },
      '{}',
    );
    expect(form.status).toBe(415);
    expect(form.json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const view = await send(server.base, 'GET', `/api/tasks/${taskId}`, { Cookie: cookie });
    expect(view.json.phase).toBe('awaiting_approval');
    const fromPage = await send(server.base, 'POST', `/api/tasks/${taskId}/reject`, { Cookie: cookie, Origin: server.base, ...json }, '{}');
    expect(fromPage.status).toBe(200);
  });

  it('lets a bearer client POST without Origin', async () => {
    server = await startWebServer();
    const { taskId } = await server.plan('bearer probe', [{ description: 'say hi', action: 'plan', output: 'hi' }]);
    const reply = await send(
      server.base,
      'POST',
      `/api/tasks/${taskId}/cancel`,
      { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      '{"reason":"scripted"}',
    );
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ taskId, phase: 'cancelled' });
  });

  it('sends CSP, nosniff and no-referrer with the page, its files and the API', async () => {
    server = await startWebServer();
    const cookie = await signIn(server);
    for (const path of ['/', '/assets/app.js', '/assets/style.css', '/api/tasks']) {
      const reply = await send(server.base, 'GET', path, { Cookie: cookie });
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-security-policy'], path).toMatch(/^default-src 'self'/);
      expect(reply.headers['x-content-type-options'], path).toBe('nosniff');
      expect(reply.headers['referrer-policy'], path).toBe('no-referrer');
    }
    expect((await send(server.base, 'GET', '/assets/app.js')).headers['content-type']).toContain('text/javascript');
    expect((await send(server.base, 'GET', '/assets/%2e%2e%2fpackage.json')).status).toBe(404);
    expect((await send(server.base, 'GET', '/assets/index.html')).status).toBe(404);
    expect((await send(server.base, 'GET', '/assets/nope.js')).status).toBe(404);
  });
});

describe('without a token (loopback only)', () => {
  it('is open like /mcp, logs its address without a code, and still refuses a POST without Origin', async () => {
    server = await startWebServer({ token: undefined });
    expect(server.logs.find((l) => l.msg === 'web view: open this address in a browser')?.url).toBe(`${server.base}/`);
    expect(server.logs.some((l) => l.url?.includes('login='))).toBe(false);
    expect((await send(server.base, 'GET', '/')).status).toBe(200);
    expect((await send(server.base, 'GET', '/api/tasks')).status).toBe(200);
    const { taskId } = await server.plan('open probe', [{ description: 'say hi', action: 'plan', output: 'hi' }]);
    const bare = await send(server.base, 'POST', `/api/tasks/${taskId}/reject`, { 'Content-Type': 'application/json' }, '{}');
    expect(bare.status).toBe(403);
    expect(bare.json.error.code).toBe('ORIGIN_REQUIRED');
    expect((await send(server.base, 'POST', `/api/tasks/${taskId}/reject`, { Origin: server.base }, '')).status).toBe(200);
    expect((await send(server.base, 'GET', '/?login=anything')).headers.location).toBe('/');
  });
});
