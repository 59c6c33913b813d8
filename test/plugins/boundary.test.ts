/**
 * Plugins see one door: the public plugin API module. Built-in and example plugins import nothing
 * else from the server — only the API module, zod, Node's built-ins and files of their own folder.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const API = join(ROOT, 'src', 'plugins', 'api.js');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(m?[jt]s)$/.test(name) ? [path] : [];
  });
}

function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bexport\s+[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

function violations(folder: string): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(folder)) {
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      const allowed =
        specifier === 'zod' ||
        specifier.startsWith('node:') ||
        specifier === 'orchestrate-mcp/plugin-api' ||
        (specifier.startsWith('.') && resolve(dirname(file), specifier) === API) ||
        (specifier.startsWith('.') && !relative(folder, resolve(dirname(file), specifier)).startsWith('..'));
      if (!allowed) bad.push(`${relative(ROOT, file)} imports ${specifier}`);
    }
  }
  return bad;
}

describe('the plugin import boundary', () => {
  it('holds for the built-in plugins', () => {
    const files = sourceFiles(join(ROOT, 'plugins'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(violations(join(ROOT, 'plugins'))).toEqual([]);
  });

  it('holds for the example plugins', () => {
    expect(sourceFiles(join(ROOT, 'examples', 'plugins')).length).toBeGreaterThan(0);
    expect(violations(join(ROOT, 'examples', 'plugins'))).toEqual([]);
  });

  it('flags a plugin that reaches into the server', () => {
    const folder = mkdtempSync(join(tmpdir(), 'orchestrate-boundary-'));
    writeFileSync(
      join(folder, 'sneaky.ts'),
      "import { Engine } from '../src/engine/engine.js';\nimport { z } from 'zod';\nexport default {};\n",
    );
    writeFileSync(join(folder, 'fine.ts'), "import { helper } from './sneaky.js';\nimport { readFile } from 'node:fs/promises';\n");
    expect(violations(folder)).toEqual([`${relative(ROOT, join(folder, 'sneaky.ts'))} imports ../src/engine/engine.js`]);
  });
});
