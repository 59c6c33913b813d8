/**
 * Which files of a plugin folder are plugin entries. Node built-ins only: the bin lists them before
 * anything heavy loads, to start their plugin hosts early (see host/spawn.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { OrchestrateError, errorMessage } from '../errors.js';

const EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);
const ENTRY_CANDIDATES = ['index.js', 'index.mjs', 'index.ts', 'index.mts'];
const TYPESCRIPT = /\.m?ts$/;

/** A TypeScript entry (`.ts`, `.mts`): it loads through tsx. */
export function isTypeScriptEntry(file: string): boolean {
  return TYPESCRIPT.test(file);
}

/** The plugin entry files of one folder, sorted by name. */
export function pluginEntries(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new OrchestrateError('PLUGIN_DIR_NOT_FOUND', `${dir}: no such plugin directory.`, { details: { file: dir } });
  }
  const entries: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const entry = packageEntry(path);
      if (entry) entries.push(entry);
    } else if (EXTENSIONS.has(extname(name)) && !/\.d\.m?ts$/.test(name) && !/\.(test|spec)\.[mc]?[jt]s$/.test(name)) {
      entries.push(path);
    }
  }
  return entries;
}

/** A package folder's entry: package.json `exports["."]` (string or import/default) or `main`, else index.*. */
function packageEntry(folder: string): string | undefined {
  const manifestPath = join(folder, 'package.json');
  if (!existsSync(manifestPath)) return undefined;
  let manifest: { main?: unknown; exports?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch (error) {
    throw new OrchestrateError('PLUGIN_IMPORT_FAILED', `${manifestPath}: not valid JSON: ${errorMessage(error)}`, {
      details: { file: manifestPath },
    });
  }
  const declared = exportTarget(manifest.exports) ?? (typeof manifest.main === 'string' ? manifest.main : undefined);
  const candidates = declared ? [declared] : ENTRY_CANDIDATES;
  const found = candidates.map((c) => join(folder, c)).find((path) => existsSync(path));
  if (!found) {
    throw new OrchestrateError('PLUGIN_IMPORT_FAILED', `${folder}: package has no entry file (${candidates.join(', ')}).`, {
      details: { file: folder },
    });
  }
  return found;
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') {
    const conditions = root as Record<string, unknown>;
    const target = conditions.import ?? conditions.default;
    if (typeof target === 'string') return target;
  }
  return undefined;
}
