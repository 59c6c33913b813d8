import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { serveRoute } from '../../src/runner/serve-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'orch-runner-config-'));
afterEach(() => rmSync(join(dir, 'c.json'), { force: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withFile(content: unknown): string {
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('the runner setting', () => {
  it('defaults to a runner that idles out after 30 s', () => {
    const loaded = loadConfig(['--db', join(dir, 'a.db')], {});
    expect(loaded.ok && loaded.config.runner).toEqual({ idleMs: 30_000 });
  });

  it('takes runner.idleSeconds from the config file', () => {
    const loaded = loadConfig(['--config', withFile({ runner: { idleSeconds: 2.5 } })], {});
    expect(loaded.ok && loaded.config.runner).toEqual({ idleMs: 2_500 });
  });

  it('is off with --inline, ORCHESTRATE_INLINE=1 or runner: false', () => {
    for (const [argv, env] of [
      [['--inline'], {}],
      [[], { ORCHESTRATE_INLINE: '1' }],
      [['--config', withFile({ runner: false })], {}],
    ] as const) {
      const loaded = loadConfig(argv, env);
      expect(loaded.ok && loaded.config.runner).toBe(false);
    }
  });

  it('lists an invalid runner setting among the problems', () => {
    const loaded = loadConfig(['--config', withFile({ runner: { idleSeconds: -1, sometimes: true } })], {});
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems.join('\n')).toMatch(/config runner/);
  });
});

describe('the bridge’s route', () => {
  const version = '1.2.3';
  it('bridges stdio on a database file, keyed by what must match', () => {
    const base = ['--db', join(dir, 'a.db'), '--plugins', dir];
    const route = serveRoute(base, {}, version);
    expect(route).toMatchObject({ kind: 'runner', db: join(dir, 'a.db'), configFile: undefined, pluginDirs: [dir] });
    const fingerprint = (argv: string[], v = version) => {
      const r = serveRoute(argv, {}, v);
      return r.kind === 'runner' ? r.fingerprint : undefined;
    };
    // The log level does not matter; the config file, the plugin folders and the version do.
    expect(fingerprint([...base, '--log-level', 'debug'])).toBe(fingerprint(base));
    expect(fingerprint([...base, '--config', withFile({})])).not.toBe(fingerprint(base));
    expect(fingerprint(['--db', join(dir, 'a.db')])).not.toBe(fingerprint(base));
    expect(fingerprint(base, '9.9.9')).not.toBe(fingerprint(base));
  });

  it('serves inline for --inline, HTTP, :memory:, runner: false, and anything the full parser must report', () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [['--inline'], {}],
      [[], { ORCHESTRATE_INLINE: 'true' }],
      [['--transport', 'http'], {}],
      [[], { ORCHESTRATE_TRANSPORT: 'http' }],
      [['--db', ':memory:'], {}],
      [['--config', withFile({ runner: false })], {}],
      [['--config', join(dir, 'missing.json')], {}],
      [['--bogus'], {}],
    ];
    for (const [argv, env] of cases) expect(serveRoute(argv, env, version).kind, argv.join(' ')).toBe('inline');
  });
});
