import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to stdio, loopback, port 3939 and the XDG state path', () => {
    const result = loadConfig([], { XDG_STATE_HOME: '/tmp/xdg-state' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.transport).toBe('stdio');
    expect(result.config.host).toBe('127.0.0.1');
    expect(result.config.port).toBe(3939);
    expect(result.config.db).toBe('/tmp/xdg-state/orchestrate-mcp/state.db');
    expect(result.config.maxParallel).toBe(4);
    expect(result.config.confirmationTimeoutsMs.destructive).toBe(300_000);
    expect(result.config.exec.forbidden).toEqual(['dd', 'mkfs', 'shutdown', 'reboot']);
  });

  it('lets flags win over environment variables', () => {
    const result = loadConfig(['--db', ':memory:', '--log-level', 'warn'], { ORCHESTRATE_DB: '/x.db', ORCHESTRATE_LOG_LEVEL: 'debug' });
    expect(result.ok && result.config.db).toBe(':memory:');
    expect(result.ok && result.config.logLevel).toBe('warn');
  });

  it('lists every problem instead of stopping at the first', () => {
    const result = loadConfig(['--transport', 'carrier-pigeon', '--port', 'abc', '--log-level', 'loud'], {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toMatch(/transport.*carrier-pigeon/);
    expect(result.problems.join('\n')).toMatch(/port.*abc/);
    expect(result.problems.join('\n')).toMatch(/log-level.*loud/);
  });

  it('rejects unknown flags', () => {
    const result = loadConfig(['--frobnicate'], {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatch(/frobnicate/);
  });

  it('reads the config file and reports each invalid field by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-config-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ maxParallel: 8, approval: { autoApprove: ['destructive'], timeoutSeconds: { external: 5 } } }));
    const ok = loadConfig(['--config', good], {});
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.config.maxParallel).toBe(8);
      expect(ok.config.autoApproveTiers).toEqual(['destructive']);
      expect(ok.config.confirmationTimeoutsMs.external).toBe(5_000);
      expect(ok.config.confirmationTimeoutsMs.destructive).toBe(300_000);
    }
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ maxParallel: 0, approval: { autoApprove: ['everything'] }, surprise: true }));
    const result = loadConfig(['--config', bad], {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('config maxParallel');
    expect(text).toContain('config approval.autoApprove.0');
    expect(text).toMatch(/surprise/);
  });

  it('reports a config file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    const result = loadConfig([], { ORCHESTRATE_CONFIG: file });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toContain(file);
  });

  it('ships an allowlist of build, test and read-only tools, and "*" allows any binary', () => {
    const shipped = loadConfig([], {});
    expect(shipped.ok && shipped.config.exec.allowlist).toEqual(expect.arrayContaining(['node', 'npm', 'git', 'ls', 'cat']));
    for (const risky of ['rm', 'curl', 'wget', 'sudo', 'dd', 'chmod'])
      expect(shipped.ok && shipped.config.exec.allowlist).not.toContain(risky);
    const dir = mkdtempSync(join(tmpdir(), 'orchestrate-config-'));
    const any = join(dir, 'any.json');
    writeFileSync(any, JSON.stringify({ exec: { allowlist: ['*'] } }));
    const result = loadConfig(['--config', any], {});
    expect(result.ok && result.config.exec.allowlist).toBeUndefined();
  });
});
