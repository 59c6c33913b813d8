/**
 * Cold start of stdio serving through the background runner: spawn → initialize → tools/list
 * answered, when the runner is already up (the bridge alone) and when the bridge must start it,
 * beside the Node floor (hand-written JSON-RPC, no SDK), a bare SDK server and in-process serving,
 * alternating in one run. Prints medians and ratios to the bare SDK server.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BARE_SERVER, median, timeToToolsList, type SpawnSpec } from './stdio-timing.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'orchestrate-mcp.js');
const RUNS = Number(process.env.COLD_START_RUNS ?? 15);

/** The floor: answers initialize and tools/list by hand, no SDK, no zod. */
const RAW_SERVER = `
import { createInterface } from 'node:readline';
const tools = ['a', 'b', 'c', 'd'].map((name) => ({ name, inputSchema: { type: 'object' } }));
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (message.id === undefined) continue;
  const result = message.method === 'initialize'
    ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } }
    : { tools };
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) + '\\n');
}
`;

const dir = mkdtempSync(join(tmpdir(), 'orch-bench-'));
const db = join(dir, 'state.db');
const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'run'), XDG_STATE_HOME: join(dir, 'state') };
delete env.ORCHESTRATE_INLINE;
mkdirSync(join(dir, 'run'));

/** Stops the runner of the bench database and waits until it has gone. */
function stopRunner(): void {
  spawnSync(process.execPath, [bin, 'runner', 'stop', '--db', db], { env, stdio: 'ignore' });
}

try {
  const raw = join(root, 'dist', 'bench', 'raw-server.mjs');
  const bare = join(root, 'dist', 'bench', 'bare-server.mjs');
  writeFileSync(raw, RAW_SERVER);
  writeFileSync(bare, BARE_SERVER);
  const serve = (...flags: string[]): SpawnSpec => ({ args: [bin, '--db', db, '--log-level', 'silent', ...flags], cwd: dir, env });
  const cases: Array<{ name: string; spec: SpawnSpec; before?: () => void; times: number[] }> = [
    { name: 'raw JSON-RPC floor (no SDK)', spec: { args: [raw], cwd: root }, times: [] },
    { name: 'bare SDK server', spec: { args: [bare], cwd: root }, times: [] },
    { name: 'orchestrate-mcp --inline', spec: serve('--inline'), times: [] },
    { name: 'bridge, runner must be started', spec: serve(), before: stopRunner, times: [] },
    { name: 'bridge, runner up', spec: serve(), times: [] },
  ];
  await timeToToolsList(serve()); // Warm the file cache; leaves the runner up.
  for (let i = 0; i < RUNS; i += 1) {
    for (const run of cases) {
      run.before?.();
      run.times.push(await timeToToolsList(run.spec));
    }
  }
  const anchor = median(cases[1]?.times ?? []);
  const rows = cases.map((run) => {
    const value = median(run.times);
    return `  ${run.name.padEnd(32)} ${value.toFixed(0).padStart(5)} ms   ${(value / anchor).toFixed(2)}× bare SDK`;
  });
  process.stdout.write(
    `cold start through the runner (spawn → tools/list), median of ${RUNS}:\n${rows.join('\n')}\n` +
      '  goals: runner up ≤ 0.5× bare SDK; runner must be started ≤ 1.0×\n',
  );
} finally {
  stopRunner();
  rmSync(dir, { recursive: true, force: true });
}
