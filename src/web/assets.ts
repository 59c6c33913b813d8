import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { send } from './respond.js';

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  html: 'text/html; charset=utf-8',
};

/** A flat name with a known extension: nothing outside the folder can be named. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

/** The `web/` folder shipped with the package (tests run from src/web, the bin from dist/src/web), if present. */
export function findWebRoot(): string | undefined {
  for (const relative of ['../../web/', '../../../web/']) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(new URL('index.html', url))) return fileURLToPath(url);
  }
  return undefined;
}

/** Answers `/assets/<name>` from the web folder; 404 for anything else. */
export async function sendAsset(res: ServerResponse, root: string, name: string): Promise<void> {
  const match = ASSET_NAME.exec(name);
  if (!match?.[1]) return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
  let body: Buffer;
  try {
    body = await readFile(`${root}${name}`);
  } catch {
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
  }
  // The files change only with the package; revalidating keeps an upgrade visible at once.
  send(res, 200, TYPES[match[1]] ?? 'application/octet-stream', body, { 'Cache-Control': 'no-cache' });
}

export async function sendPage(res: ServerResponse, root: string): Promise<void> {
  send(res, 200, TYPES['html'] ?? 'text/html', await readFile(`${root}index.html`));
}
