/**
 * Plugin options are checked at start-up against each plugin's own options schema: a bad option
 * stops the server (exit 2) naming the field, for built-in and third-party plugins alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { spawnBin } from '../helpers/bin.js';
import { testConfig } from '../helpers/harness.js';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-options-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const silent = pino({ level: 'silent' });

function plugin(name: string, extra: Partial<ActionPlugin<unknown>> = {}): ActionPlugin<unknown> {
  return {
    apiVersion: 1,
    name,
    description: `The ${name} action.`,
    tier: 'read',
    input: { type: 'object' },
    run: async () => ({ summary: 'ok' }),
    ...extra,
  };
}

describe('plugin options at start-up', () => {
  it('exits 2 naming the field when a built-in plugin option is wrong (real bin)', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ plugins: { implement: { agents: { claude: { args: ['-p'] } } } } }));
    const bin = spawnBin(['--db', join(dir, 'state.db'), '--config', config], { cwd: dir }, cleanups);
    const exit = await bin.exited;
    expect(exit.code).toBe(2);
    expect(bin.stderr()).toContain('CONFIG_INVALID');
    expect(bin.stderr()).toContain('plugins.implement.agents.claude.command');
    expect(bin.stdout()).toBe('');
  });

  it('checks a third-party plugin against its own JSON Schema options', () => {
    const limited = plugin('limited', {
      options: { type: 'object', properties: { retries: { type: 'integer', minimum: 0 } }, additionalProperties: false },
    });
    const make = (options: Record<string, unknown>) =>
      createApp(testConfig(join(dir, `${Math.random()}.db`), { pluginOptions: { limited: options } }), {
        logger: silent,
        plugins: [limited],
      });
    const good = make({ retries: 2 });
    cleanups.push(() => good.close());
    expect(() => make({ retries: -1 })).toThrow(/plugins\.limited\.retries/);
    expect(() => make({ surprise: true })).toThrow(/CONFIG_INVALID|options of the limited plugin/);
  });

  it('refuses two plugins that both take steps written without an action (PLUGIN_INVALID)', () => {
    const notes = plugin('notes', { planner: { untypedStepField: 'text' } });
    expect(() => createApp(testConfig(join(dir, 'x.db')), { logger: silent, plugins: [notes] })).toThrow(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });
});
