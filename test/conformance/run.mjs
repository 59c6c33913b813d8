#!/usr/bin/env node
/**
 * Runs the generic MCP conformance scenarios against the built server over Streamable HTTP:
 * starts `bin/orchestrate-mcp.js --transport http --port 0` with a temporary database, reads the
 * chosen port from its log (stderr), runs each scenario, stops the server, and exits non-zero if
 * any scenario failed. Needs `npm run build` first. The other scenarios call fixture tools
 * (`test_simple_text`, …) that a real server does not have.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'logging-set-level',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'orchestrate-mcp.js');
const dir = mkdtempSync(join(tmpdir(), 'orchestrate-conformance-'));

const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORCHESTRATE_')));
const server = spawn(process.execPath, [bin, '--transport', 'http', '--port', '0', '--db', join(dir, 'state.db')], {
  cwd: dir,
  env,
  stdio: ['ignore', 'inherit', 'pipe'],
});
let log = '';
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the server did not log its port within 20 s:\n${log}`)), 20_000);
  server.stderr.on('data', (chunk) => {
    log += chunk.toString('utf8');
    const match = /"port":(\d+)/.exec(log);
    if (match) {
      clearTimeout(timer);
      resolve(Number(match[1]));
    }
  });
  server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${log}`)));
});

const url = `http://127.0.0.1:${port}/mcp`;
const failed = [];
for (const scenario of SCENARIOS) {
  // --no: use the locally installed CLI only (CI reaches nothing but the npm registry anyway).
  const run = spawnSync('npx', ['--no', 'conformance', 'server', '--url', url, '--scenario', scenario], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const summary = /Passed: .*/.exec(output)?.[0] ?? '(no summary)';
  const ok = run.status === 0 && / 0 failed/.test(summary);
  process.stderr.write(`${ok ? 'PASS' : 'FAIL'} ${scenario}: ${summary}\n`);
  if (!ok) {
    failed.push(scenario);
    process.stderr.write(`${output}\n`);
  }
}

server.kill('SIGTERM');
const exit = await new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
rmSync(dir, { recursive: true, force: true });
if (exit.code !== 0) {
  process.stderr.write(`the server did not shut down cleanly: ${JSON.stringify(exit)}\n${log}\n`);
  failed.push('shutdown');
}
if (failed.length > 0) {
  process.stderr.write(`conformance: ${failed.length} failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stderr.write(`conformance: all ${SCENARIOS.length} scenarios passed\n`);
