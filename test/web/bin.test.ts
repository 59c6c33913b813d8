/**
 * The built bin (`npm run build` first) serves the web view from the package's web/ folder and
 * logs a one-time login link on stderr, never the token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBin } from '../helpers/bin.js';
import { send } from './support.js';

const TOKEN = 'bin-web-token-9876543210';
const cleanups: Array<() => Promise<unknown>> = [];
let dir: string | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function loginLink(stderr: string): string | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; url?: string; level?: number };
    if (entry.msg === 'web view: open this one-time login link in a browser' && entry.level === 30) return entry.url;
  }
  return undefined;
}

describe('web view of the real bin', () => {
  it('logs a login link that signs a browser in, and serves the page and its files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrate-web-bin-'));
    const server = spawnBin(
      ['--transport', 'http', '--port', '0', '--db', join(dir, 'state.db'), '--token', TOKEN],
      { cwd: dir },
      cleanups,
    );
    await expect.poll(() => loginLink(server.stderr()), { timeout: 15_000 }).toBeDefined();
    const link = new URL(loginLink(server.stderr())!);
    expect(server.stderr()).not.toContain(TOKEN);
    const login = await send(link.origin, 'GET', `/${link.search}`);
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const page = await send(link.origin, 'GET', '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('/assets/app.js');
    for (const asset of ['app.js', 'style.css', 'dag.js', 'icon.svg']) {
      expect((await send(link.origin, 'GET', `/assets/${asset}`)).status, asset).toBe(200);
    }
    expect((await send(link.origin, 'GET', '/api/tasks', { Cookie: cookie })).json).toMatchObject({ items: [], total: 0 });
    expect(server.stdout()).toBe('');
  });
});
