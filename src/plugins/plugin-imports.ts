import { existsSync, realpathSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScopedImport } from 'tsx/esm/api';
import { isTypeScriptEntry } from './plugin-files.js';

/** Imports one plugin entry file and resolves to its module namespace. */
export type ImportPluginFile = (file: string) => Promise<{ default?: unknown }>;

// Module hooks are process-wide and cannot be taken back, so what they already cover is process state too.
const hookedRoots = new Set<string>();
/** One tsx namespace per tsconfig a TypeScript plugin uses; '' for none. */
const tsxScopes = new Map<string, ScopedImport>();

/**
 * Registers the module hooks the plugin files of `dirs` need, in an order that matters:
 * 1. esm-hooks (every plugin file is an ES module), before tsx, which reads the format it resolves;
 * 2. tsx, only when a `.ts` / `.mts` entry is present (it costs ~100 ms to load);
 * 3. hooks (zod and the plugin API are the server's copies), after tsx, answering before it.
 */
export async function preparePluginImports(dirs: readonly string[], files: readonly string[]): Promise<ImportPluginFile> {
  const roots = folderUrls(dirs).filter((root) => !hookedRoots.has(root));
  for (const root of roots) hookedRoots.add(root);
  if (roots.length > 0) register(compiledModule('esm-hooks'), { data: { roots } });
  const tsconfigs = new Map(files.filter(isTypeScriptEntry).map((file) => [file, tsconfigFor(file, dirs)]));
  const addedScope = await addTsxScopes(new Set(tsconfigs.values()));
  if (roots.length > 0 || addedScope) registerSharedModuleHooks();
  return async (file) => {
    const url = pathToFileURL(file).href;
    const tsconfig = tsconfigs.get(file);
    const scope = tsconfig === undefined ? undefined : tsxScopes.get(tsconfig);
    return (scope ? await scope(url, import.meta.url) : await import(url)) as { default?: unknown };
  };
}

async function addTsxScopes(tsconfigs: ReadonlySet<string>): Promise<boolean> {
  const missing = [...tsconfigs].filter((tsconfig) => !tsxScopes.has(tsconfig));
  if (missing.length === 0) return false;
  const { register: registerTsx } = await import('tsx/esm/api');
  for (const tsconfig of missing) {
    // `false`: without a tsconfig of its own, a plugin must not pick up the one in the server's working directory.
    const scope = registerTsx({ namespace: `orchestrate-plugins-${tsxScopes.size + 1}`, tsconfig: tsconfig || false });
    tsxScopes.set(tsconfig, scope.import);
  }
  return true;
}

/**
 * (Re-)registers the shared-module hooks on top of the chain. Registering the same module again
 * adds one more link to the chain and refreshes its folders; the links below a tsx namespace only
 * ever see the server's own imports, which they pass on.
 */
function registerSharedModuleHooks(): void {
  register(compiledModule('hooks'), {
    data: { roots: [...hookedRoots], serverUrl: import.meta.url, apiUrl: compiledModule('api').href },
  });
}

/** The nearest tsconfig.json from the entry's folder up to its plugin folder, or '' when there is none. */
function tsconfigFor(file: string, dirs: readonly string[]): string {
  const root = dirs.find((dir) => !relative(dir, file).startsWith('..'));
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    const candidate = join(folder, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (root === undefined || relative(root, folder) === '' || dirname(folder) === folder) return '';
  }
}

/** file: URLs of the folders, as given and with symlinks resolved (Node imports a file by its real path). */
function folderUrls(dirs: readonly string[]): string[] {
  const urls = dirs.flatMap((dir) => [dir, realpathSync(dir)]).map((dir) => pathToFileURL(dir.endsWith('/') ? dir : `${dir}/`).href);
  return [...new Set(urls)];
}

/**
 * A sibling module as Node itself can load it. Hook modules and the plugin API are loaded by Node,
 * not by whatever runs this file; run from the TypeScript source (tests), they come from the build.
 */
function compiledModule(name: string): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL(`../../dist/src/plugins/${name}.js`, here) : new URL(`./${name}.js`, here);
}
