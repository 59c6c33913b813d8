/**
 * `plugins.<name>` is the plugin's options object, except for the server's keys (`timeoutSeconds`,
 * `limits`, the reserved `retry`): the plugin neither sees nor validates them, and bad values stop
 * start-up with CONFIG_INVALID naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { spawnBin } from '../helpers/bin.js';
import { startHarness, testConfig, type Harness } from '../helpers/harness.js';
import { finished, start, step } from '../engine-mcp/support.js';
import { FIXTURES } from './host-support.js';

let dir: string;
let h: Harness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-host-settings-'));
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const strict: ActionPlugin<unknown> = {
  apiVersion: 1,
  name: 'strict',
  description: 'Shows the options it was given.',
  tier: 'read',
  input: { type: 'object' },
  options: { type: 'object', properties: { color: { type: 'string' } }, additionalProperties: false },
  run: async (_input, ctx) => new Promise((resolve) => setTimeout(() => resolve({ summary: 'ok', data: ctx.options }), 50)),
};

function appWith(pluginOptions: Record<string, Record<string, unknown>>) {
  const app = createApp(testConfig(join(dir, `${Math.random()}.db`), { pluginOptions }), {
    logger: pino({ level: 'silent' }),
    plugins: [strict],
  });
  cleanups.push(() => app.close());
  return app;
}

describe('the server keys of plugins.<name>', () => {
  it('are taken out of the options a plugin validates and sees', async () => {
    const pluginOptions = { strict: { color: 'teal', timeoutSeconds: 60, limits: { timeoutSeconds: 30 } } };
    h = await startHarness({ plugins: [strict], config: { pluginOptions } });
    const task = await finished(h, (await start(h, 'show', [{ description: 'Show', action: 'strict' }])).taskId);
    expect(step(task, 's1').outputs?.data).toEqual({ color: 'teal' });
  });

  it('cap a step at limits.timeoutSeconds even below plugins.<name>.timeoutSeconds', async () => {
    const pluginOptions = { strict: { timeoutSeconds: 60, limits: { timeoutSeconds: 0.01 } } };
    h = await startHarness({ plugins: [strict], config: { pluginOptions, hostReplanTimeoutMs: 100 } });
    const task = await finished(h, (await start(h, 'show', [{ description: 'Show', action: 'strict' }])).taskId);
    expect(step(task, 's1').error).toBe('Action "strict" timed out after 10 ms.');
  });

  it('refuse bad values with CONFIG_INVALID naming the field', () => {
    expect(() => appWith({ strict: { retry: { attempts: 0 } } })).toThrow(/plugins\.strict\.retry\.attempts: /);
    expect(() => appWith({ strict: { retry: { attempts: 2, backoffSeconds: 'soon' } } })).toThrow(
      /plugins\.strict\.retry\.backoffSeconds: /,
    );
    expect(() => appWith({ strict: { limits: { memoryMb: 'lots' } } })).toThrow(/plugins\.strict\.limits\.memoryMb: /);
    expect(() => appWith({ strict: { limits: { cpus: 2 } } })).toThrow(/plugins\.strict\.limits: Unrecognized key: "cpus"/);
    expect(() => appWith({ strict: { timeoutSeconds: -1 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => appWith({ shell: { limits: { memoryMb: 256 } } })).toThrow(
      /plugins\.shell\.limits\.memoryMb: built-in actions run inside the server/,
    );
  });

  it('stop the real bin (exit 2) when a hosted plugin’s own options are wrong, naming the field', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ plugins: { ctx_tour: { greeting: 5, limits: { memoryMb: 128 } } } }));
    const bin = spawnBin(
      ['--db', join(dir, 'state.db'), '--config', config, '--plugins', join(FIXTURES, 'host-ctx')],
      { cwd: dir },
      cleanups,
    );
    expect((await bin.exited).code).toBe(2);
    expect(bin.stderr()).toContain('CONFIG_INVALID');
    expect(bin.stderr()).toContain('plugins.ctx_tour.greeting');
    expect(bin.stdout()).toBe('');
  });
});
