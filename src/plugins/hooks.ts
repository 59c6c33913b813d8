/**
 * Module hooks that make `zod` and `orchestrate-mcp/plugin-api`, imported from a plugin file
 * anywhere on disk, the server's own copies: a plugin folder needs no node_modules, and a plugin's
 * zod schemas are the server's zod. Registered after tsx's hooks (when a TypeScript plugin is
 * present), so they answer before tsx can tag the server's modules with its namespace, which would
 * load a second copy of them.
 */

interface HookData {
  /** file: URLs of the plugin folders (with a trailing slash). */
  roots: string[];
  /** A file: URL inside the server package, to resolve shared packages from. */
  serverUrl: string;
  /** The file: URL of the public plugin API module. */
  apiUrl: string;
}

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<Resolved>;

let data: HookData = { roots: [], serverUrl: '', apiUrl: '' };

/** Called on every registration; each one brings every plugin folder so far. */
export function initialize(input: HookData): void {
  data = input;
}

const SHARED = /^zod(\/.*)?$/;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve): Promise<Resolved> {
  if (specifier === 'orchestrate-mcp/plugin-api') return { url: data.apiUrl, format: 'module', shortCircuit: true };
  // Always the server's zod, even where a plugin would find one of its own: for a TypeScript plugin
  // even the very same file would come back tagged with tsx's namespace, a second zod.
  if (SHARED.test(specifier) && inPluginFolder(context.parentURL)) return next(specifier, { ...context, parentURL: data.serverUrl });
  return next(specifier, context);
}

function inPluginFolder(url: string | undefined): boolean {
  return url !== undefined && data.roots.some((root) => url.startsWith(root));
}
