/**
 * The bridge's cold start: everything the bin loads before it knows it only has to bridge must be
 * Node built-ins and our own small modules, never the MCP SDK, zod, pino, SQLite or the engine.
 * Dynamic `import()`s (inline serving, the runner itself) are where the heavy modules come in.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STATIC_IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** The files the module loads before running any of its code, and every bare specifier among them. */
function staticGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(STATIC_IMPORT)) {
      const specifier = (match[1] ?? match[2]) as string;
      if (/^\s*(?:import|export)\s+type\s/.test(match[0])) continue;
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      visit(target.endsWith('.js') && !target.includes(`${join(ROOT, 'bin')}`) ? target.replace(/\.js$/, '.ts') : target);
    }
  };
  visit(entry);
  return { files: [...files].map((file) => relative(ROOT, file)).sort(), packages: [...packages].sort() };
}

describe('the bridge path', () => {
  it('loads only Node built-ins before deciding to bridge', () => {
    const bin = join(ROOT, 'bin', 'orchestrate-mcp.js');
    const launch = staticGraph(join(ROOT, 'src', 'runner', 'launch.ts'));
    const fromBin = readFileSync(bin, 'utf8');
    expect(fromBin).toContain("from '../dist/src/runner/launch.js'");
    expect(
      launch.packages.every((name) => name.startsWith('node:')),
      launch.packages.join(', '),
    ).toBe(true);
    // Besides the runner's own: errors, the version, and the rule that tells serving from a command.
    expect(launch.files.filter((file) => !file.startsWith('src/runner/'))).toEqual([
      'src/cli/wants-server.ts',
      'src/errors.ts',
      'src/version.ts',
    ]);
    expect(launch.files).not.toContain('src/runner/serve.ts');
    expect(launch.files).not.toContain('src/main.ts');
  });
});
