/**
 * Module hooks for plugin folders, registered with `module.register` only when a server loads
 * plugins from directories. They let a plugin file anywhere on disk:
 * - be TypeScript without a build step (`.ts` / `.mts`, compiled with esbuild on load);
 * - be an ES module even in a folder without a package.json;
 * - import `zod` and `orchestrate-mcp/plugin-api` without a node_modules of its own (they resolve
 *   to the server's copies, so a plugin's zod schemas are the server's zod).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface HookData {
  /** file: URLs of the plugin folders (with a trailing slash). */
  roots: string[];
  /** A file: URL inside the server package, to resolve shared packages from. */
  serverUrl: string;
  /** The file: URL of the public plugin API module. */
  apiUrl: string;
}

type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string; format?: string | null }>;
type Load = (url: string, context: { format?: string | null }) => Promise<{ format: string; source?: string | Buffer | null }>;

let data: HookData = { roots: [], serverUrl: '', apiUrl: '' };

export function initialize(input: HookData): void {
  data = input;
}

const SHARED = /^(zod)(\/.*)?$/;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve) {
  if (specifier === 'orchestrate-mcp/plugin-api') return { url: data.apiUrl, format: 'module', shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!SHARED.test(specifier) || !inPluginFolder(context.parentURL)) throw error;
    return next(specifier, { ...context, parentURL: data.serverUrl });
  }
}

export async function load(url: string, context: { format?: string | null }, next: Load) {
  if (!inPluginFolder(url) || url.includes('/node_modules/')) return next(url, context);
  const path = fileURLToPath(url);
  if (/\.(m?ts)$/.test(path)) {
    const { transform } = await import('esbuild');
    const source = await readFile(path, 'utf8');
    const { code } = await transform(source, { loader: 'ts', format: 'esm', sourcefile: path, sourcemap: 'inline', target: 'node20' });
    return { format: 'module', source: code, shortCircuit: true };
  }
  if (/\.(m?js)$/.test(path)) {
    // A plugin is an ES module by contract, whatever folder it was dropped into.
    return { format: 'module', source: await readFile(path, 'utf8'), shortCircuit: true };
  }
  return next(url, context);
}

function inPluginFolder(url: string | undefined): boolean {
  return url !== undefined && data.roots.some((root) => url.startsWith(root));
}
