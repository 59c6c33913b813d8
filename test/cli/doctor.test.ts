/** `doctor` through the real bin: a healthy setup, and each check that can fail or warn. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, planTask, startServer } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = resolve(ROOT, 'examples/plugins');

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

let dir: string;
let db: string;
let agentBin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-doctor-'));
  db = join(dir, 'state.db');
  agentBin = join(dir, 'bin');
  mkdirSync(agentBin);
  writeFileSync(join(agentBin, 'claude'), '#!/bin/sh\necho ok\n');
  chmodSync(join(agentBin, 'claude'), 0o755);
  const server = await startServer(dir, db);
  try {
    await planTask(server, 'Wait for approval', [{ description: 'List', action: 'shell', command: 'ls' }], false);
  } finally {
    await server.client.close();
    await server.exited;
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function doctor(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; checks: Check[]; ok: boolean }> {
  const result = await cli(['doctor', ...args, '--json'], { cwd: dir, env: { PATH: agentBin, ...env } });
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  return { code: result.code, ...report };
}

const find = (checks: Check[], name: string): Check[] => checks.filter((check) => check.name === name);

describe('doctor', () => {
  it('passes a healthy setup, one line per check', async () => {
    const result = await cli(['doctor', '--db', db, '--plugins', EXAMPLES], { cwd: dir, env: { PATH: agentBin } });
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^orchestrate-mcp \d+\.\d+\.\d+ doctor\n/);
    expect(out).toMatch(/✓ ok {4}node +v\d+\.\d+\.\d+ \(needs 20 or newer\)\n/);
    expect(out).toMatch(/✓ ok {4}sqlite +better-sqlite3 \d+\.\d+\.\d+, SQLite 3\.\d+/);
    expect(out).toMatch(new RegExp(`✓ ok {4}database +${db} opens: schema \\d+, [\\d.]+ (B|KiB|MiB)\\n`));
    expect(out).toMatch(/✓ ok {4}journal +WAL/);
    expect(out).toMatch(/✓ ok {4}tasks +1: 1 awaiting_approval\n/);
    expect(out).toMatch(/✓ ok {4}stale tasks +none/);
    expect(out).toMatch(/✓ ok {4}config +no config file/);
    expect(out).toMatch(new RegExp(`✓ ok {4}plugins +${EXAMPLES}: 1 action\\(s\\): todo_scan\\n`));
    expect(out).toMatch(new RegExp(`✓ ok {4}agents +claude \\(${join(agentBin, 'claude')}\\)\\n`));
    expect(out).toMatch(/✓ ok {4}sampling +clients that offer sampling .*VS Code.*Claude Desktop, Claude Code and Cursor do not sample/);
    expect(out).not.toMatch(/http/);
    expect(out.trimEnd().endsWith('All checks passed.')).toBe(true);
  });

  it('fails (exit 1) on an invalid config and a broken plugin, with a fix for each', async () => {
    const config = join(dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ maxParallel: 0, approval: { policy: 'sometimes' } }));
    const plugins = join(dir, 'broken-plugins');
    mkdirSync(plugins, { recursive: true });
    writeFileSync(join(plugins, 'nameless.mjs'), 'export default { apiVersion: 1, tier: "read" };\n');
    const report = await doctor(['--db', db, '--config', config, '--plugins', plugins]);
    expect(report.code).toBe(1);
    expect(report.ok).toBe(false);
    const [configCheck] = find(report.checks, 'config');
    expect(configCheck?.status).toBe('fail');
    expect(configCheck?.detail).toContain('config maxParallel:');
    expect(configCheck?.detail).toContain('config approval.policy:');
    expect(configCheck?.fix).toContain('refuses to start');
    const [pluginCheck] = find(report.checks, 'plugins');
    expect(pluginCheck).toMatchObject({ status: 'fail' });
    expect(pluginCheck?.detail).toContain(`PLUGIN_INVALID: ${join(plugins, 'nameless.mjs')}`);
    expect(pluginCheck?.fix).toContain('orchestrate-mcp plugins check');
    // The rest still ran.
    expect(find(report.checks, 'database')[0]?.status).toBe('ok');
  });

  it('warns, without failing, where the database is not created yet and no agent is on PATH', async () => {
    const report = await doctor(['--db', join(dir, 'fresh', 'state.db')], { PATH: join(dir, 'empty') });
    expect(report.code).toBe(0);
    expect(find(report.checks, 'database')[0]).toMatchObject({
      status: 'warn',
      detail: `${join(dir, 'fresh', 'state.db')} does not exist yet`,
    });
    expect(find(report.checks, 'agents')[0]).toMatchObject({ status: 'warn' });
    expect(find(report.checks, 'agents')[0]?.detail).toContain('claude, codex, aider');
  });

  it('fails on a database it cannot read', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database, just text '.repeat(200));
    const report = await doctor(['--db', junk]);
    expect(report.code).toBe(1);
    expect(find(report.checks, 'database')[0]).toMatchObject({ status: 'fail' });
    expect(find(report.checks, 'database')[0]?.detail).toContain(`${junk} cannot be read`);
  });

  it('checks the HTTP settings when they are given', async () => {
    const open = await doctor(['--db', db, '--transport', 'http', '--host', '0.0.0.0']);
    expect(open.code).toBe(1);
    expect(find(open.checks, 'http')[0]).toMatchObject({
      status: 'fail',
      detail: '0.0.0.0 is reachable from the network and no token is set',
    });

    const weak = await doctor(['--db', db, '--transport', 'http', '--token', 'short']);
    expect(weak.code).toBe(0);
    expect(find(weak.checks, 'http')[0]).toMatchObject({ status: 'warn', detail: 'the token is 5 characters long' });

    const fromEnv = await doctor(['--db', db], { ORCHESTRATE_TRANSPORT: 'http', ORCHESTRATE_TOKEN: 'a'.repeat(32) });
    expect(find(fromEnv.checks, 'http')[0]).toMatchObject({ status: 'ok', detail: '127.0.0.1, bearer token set' });

    const unused = await doctor(['--db', db, '--token', 'a'.repeat(32)]);
    expect(find(unused.checks, 'http')[0]).toMatchObject({ status: 'warn' });
  });
});
