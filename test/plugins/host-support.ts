/**
 * Shared by the plugin host tests: the fixture folders, plugin hosts for an in-process harness, and
 * the pids the fault fixtures write down (`<workdir>/<name>.pids`), to tell one host from the next.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { hostPluginDirs } from '../../src/plugins/host/start.js';
import type { PluginSource } from '../../src/plugins/registry.js';
import { processAlive } from '../helpers/bin.js';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins');

/** The plugins of a fixture folder, each in a plugin host (the harness's app stops them on close). */
export function hosted(folder: string, pluginOptions: Record<string, Record<string, unknown>> = {}): Promise<PluginSource[]> {
  return hostPluginDirs([join(FIXTURES, folder)], { pluginOptions }, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
}

/** The pids of the processes that ran the named plugin's steps, in order. */
export function pidsOf(workdir: string, name: string): number[] {
  const file = join(workdir, `${name}.pids`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number.parseInt(line, 10));
}

/** Every pid written down in `workdir` for these plugins. */
export function allPids(workdir: string, names: readonly string[]): number[] {
  return names.flatMap((name) => pidsOf(workdir, name));
}

export function anyAlive(pids: readonly number[]): boolean {
  return pids.some((pid) => processAlive(pid));
}

/** A config file that lets a failed task end quickly when nobody sends a corrective plan. */
export function quickFailConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ replan: { hostTimeoutSeconds: 0.2 }, ...extra }));
  return file;
}
