import { existsSync, readFileSync } from 'node:fs';

/** The package version, from the package.json this code ships with (built: dist/src; tests: src). */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'orchestrate-mcp' && manifest.version) return manifest.version;
  }
  return '0.0.0';
}
