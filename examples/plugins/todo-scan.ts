/**
 * Example third-party action: finds TODO / FIXME comments in the task's working directory.
 * Drop this file into a folder and start the server with `--plugins <folder>`: no build step.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { definePlugin } from 'orchestrate-mcp/plugin-api';

const SKIP = new Set(['node_modules', '.git', 'dist']);
const MAX_FILES = 2_000;

export default definePlugin({
  apiVersion: 1,
  name: 'todo_scan',
  description: 'Lists the TODO and FIXME comments in the working directory (source files, up to 2,000).',
  tier: 'read',
  input: z.object({
    markers: z.array(z.string().min(1)).default(['TODO', 'FIXME']).describe('Words that mark a comment'),
    extensions: z.array(z.string()).default(['.ts', '.js', '.py', '.go', '.rs', '.md']).describe('File endings to read'),
  }),
  async run(input, ctx) {
    const pattern = new RegExp(`\\b(${input.markers.map(escape).join('|')})\\b[:\\s]*(.*)`);
    const found: Array<{ file: string; line: number; marker: string; text: string }> = [];
    for await (const file of walk(ctx.workdir, ctx.signal)) {
      if (!input.extensions.some((ext) => file.endsWith(ext))) continue;
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((text, index) => {
        const match = pattern.exec(text);
        if (match)
          found.push({ file: relative(ctx.workdir, file), line: index + 1, marker: match[1] ?? '', text: (match[2] ?? '').trim() });
      });
    }
    ctx.logger.info('scan finished', { count: found.length });
    return {
      summary:
        found.length === 0
          ? 'No TODO or FIXME comments'
          : `${found.length} marked comment(s) in ${new Set(found.map((f) => f.file)).size} file(s)`,
      stdout: found.map((f) => `${f.file}:${f.line} ${f.marker} ${f.text}`).join('\n'),
      data: { found },
    };
  },
});

async function* walk(dir: string, signal: AbortSignal, seen = { files: 0 }): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (signal.aborted || seen.files >= MAX_FILES) return;
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path, signal, seen);
    else if (entry.isFile()) {
      seen.files += 1;
      yield path;
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
