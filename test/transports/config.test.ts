import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isLoopbackHost } from '../../src/transports/loopback.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-config-'));
  dirs.push(dir);
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('HTTP configuration', () => {
  it('defaults to 127.0.0.1:3939, no extra origins or hosts, and a 30-minute idle session timeout', () => {
    const loaded = loadConfig(['--transport', 'http'], {});
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    expect(loaded.config).toMatchObject({
      host: '127.0.0.1',
      port: 3939,
      http: { allowedOrigins: [], allowedHosts: [], sessionIdleMs: 1_800_000 },
    });
  });

  it('refuses a non-loopback host without a token, and accepts it with one', () => {
    const refused = loadConfig(['--transport', 'http', '--host', '0.0.0.0'], {});
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems.join('\n')).toMatch(/--host 0\.0\.0\.0 is not a loopback address: set --token/);
    expect(loadConfig(['--transport', 'http', '--host', '0.0.0.0', '--token', 't'], {}).ok).toBe(true);
    expect(loadConfig(['--transport', 'http', '--host', '192.168.1.4'], { ORCHESTRATE_TOKEN: 't' }).ok).toBe(true);
    // stdio never listens, so the host does not matter there.
    expect(loadConfig(['--host', '0.0.0.0'], {}).ok).toBe(true);
  });

  it('reads http.* from the config file and lists every bad entry', () => {
    const good = loadConfig(
      [
        '--config',
        configFile({ http: { allowedOrigins: ['https://app.example.com'], allowedHosts: ['mcp.internal:8443'], sessionIdleSeconds: 60 } }),
      ],
      {},
    );
    if (!good.ok) throw new Error(good.problems.join('; '));
    expect(good.config.http).toEqual({
      allowedOrigins: ['https://app.example.com'],
      allowedHosts: ['mcp.internal:8443'],
      sessionIdleMs: 60_000,
    });
    const bad = loadConfig(
      [
        '--config',
        configFile({ http: { allowedOrigins: ['https://app.example.com/path'], allowedHosts: ['a b'], sessionIdleSeconds: 0 } }),
      ],
      {},
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toHaveLength(3);
      expect(bad.problems.join('\n')).toContain('http.allowedOrigins.0');
    }
  });

  it('knows which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com', '127.0.0.1.example.com'])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
