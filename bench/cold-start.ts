/**
 * Cold start: spawn → initialize → tools/list answered, over stdio, for the real server serving
 * in-process (--inline) and for a bare SDK server with four trivial tools, alternating in the same
 * run. Prints medians, and what a TypeScript plugin folder (loaded through tsx) adds to the real
 * server's start. The background runner and its bridge are measured in bench/bridge.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BARE_SERVER, median, timeToToolsList } from './stdio-timing.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.COLD_START_RUNS ?? 15);
const TS_PLUGIN = join(root, 'test', 'fixtures', 'plugins', 'ts-two-files');

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-cold-'));
try {
  const bare = join(root, 'dist', 'bench', 'bare-server.mjs');
  writeFileSync(bare, BARE_SERVER);
  const ours: number[] = [];
  const theirs: number[] = [];
  const withTs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const server = [join(root, 'bin', 'orchestrate-mcp.js'), '--db', join(dir, `cold-${i}.db`), '--log-level', 'silent', '--inline'];
    ours.push(await timeToToolsList({ args: server, cwd: root }));
    theirs.push(await timeToToolsList({ args: [bare], cwd: root }));
    withTs.push(await timeToToolsList({ args: [...server, '--plugins', TS_PLUGIN], cwd: root }));
  }
  const a = median(ours);
  const b = median(theirs);
  const t = median(withTs);
  process.stdout.write(
    `cold start (spawn → tools/list), median of ${RUNS}: orchestrate-mcp --inline ${a.toFixed(0)} ms, bare SDK server ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)} (goal ≤ 1.0, aim ≤ 0.8)\n` +
      `  with a two-file TypeScript plugin (tsx): ${t.toFixed(0)} ms, +${(t - a).toFixed(0)} ms\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
