/**
 * Module hooks that make every plugin file an ES module, whatever folder it was dropped into:
 * `.js`, `.mjs`, `.ts` and `.mts` files under a plugin folder (outside its node_modules) resolve
 * with format "module". They are registered before tsx's hooks, because tsx decides between
 * CommonJS and ESM from the format it gets back: a folder without a package.json would otherwise
 * make a TypeScript plugin CommonJS, where `import { z } from 'zod'` becomes a `require` that no
 * module hook can redirect to the server's zod.
 */

interface EsmHookData {
  /** file: URLs of the plugin folders (with a trailing slash). */
  roots: string[];
}

type Resolved = { url: string; format?: string | null };
type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<Resolved>;

// Registered again for each new plugin folder; every registration shares this one module instance.
const roots = new Set<string>();
const PLUGIN_SOURCE = /\.m?[jt]s$/;

export function initialize(input: EsmHookData): void {
  for (const root of input.roots) roots.add(root);
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve): Promise<Resolved> {
  const resolved = await next(specifier, context);
  return isPluginSource(resolved.url) ? { ...resolved, format: 'module' } : resolved;
}

function isPluginSource(url: string): boolean {
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return false;
  const { pathname } = new URL(url);
  return PLUGIN_SOURCE.test(pathname) && [...roots].some((root) => url.startsWith(root));
}
