/**
 * The cost of running a third-party plugin in a plugin host: a 1,000-step chain of a no-op plugin
 * loaded from a folder, run in its host, beside the same file loaded into the server process. Goal:
 * the hosted chain within 2× the in-process one. Prints figures; asserts nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { hostPluginDirs } from '../src/plugins/host/start.js';
import { loadPluginDirs } from '../src/plugins/loader.js';
import type { ActionContext } from '../src/plugins/api.js';
import type { PluginSource } from '../src/plugins/registry.js';

const NOOP = `export default {
  apiVersion: 1,
  name: 'noop',
  description: 'Does nothing.',
  tier: 'read',
  input: { type: 'object' },
  async run() {
    return { summary: 'ok' };
  },
};
`;

async function chain(dir: string, label: string, plugins: PluginSource[], steps: number): Promise<number> {
  const loaded = loadConfig([], { ORCHESTRATE_DB: join(dir, `${label}-${steps}.db`) });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = createApp({ ...loaded.config, maxParallel: 1 }, { logger: pino({ level: 'silent' }), plugins, workdir: dir });
  try {
    const drafts = Array.from({ length: steps }, (_, i) => ({
      description: `step ${i}`,
      action: 'noop',
      ...(i > 0 ? { depends_on: [i - 1] } : {}),
    }));
    const { task } = await app.engine.planWithSteps(`bench ${label}`, {}, drafts);
    const started = performance.now();
    await app.engine.approve(task.id, { planHash: task.planHash, actor: 'model' });
    await app.engine.waitFor(task.id, 'terminal', 600_000, new AbortController().signal);
    const totalMs = performance.now() - started;
    const phase = (await app.engine.get(task.id)).task.phase;
    if (phase !== 'completed') throw new Error(`${label} ended ${phase}`);
    return totalMs;
  } finally {
    await app.close();
  }
}

/**
 * The round trip alone, one run right after the other: the chain's figure is higher because the host
 * sleeps while the engine records each step, and waking a sleeping process is the larger cost.
 */
async function backToBack(folder: string, logger: pino.Logger): Promise<number> {
  const [source] = await hostPluginDirs([folder], { pluginOptions: {} }, logger);
  if (!source) throw new Error('no plugin');
  const ctx = {
    taskId: 'bench',
    stepId: 's1',
    description: 'bench',
    workdir: folder,
    options: {},
    deps: {},
    llm: { available: false },
    signal: new AbortController().signal,
  } as unknown as ActionContext;
  try {
    for (let i = 0; i < 500; i += 1) await source.plugin.run({}, ctx);
    const runs = 2_000;
    const started = performance.now();
    for (let i = 0; i < runs; i += 1) await source.plugin.run({}, ctx);
    return ((performance.now() - started) * 1000) / runs;
  } finally {
    await source.remote?.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-bench-host-'));
  const folder = join(dir, 'plugins');
  mkdirSync(folder);
  writeFileSync(join(folder, 'noop.mjs'), NOOP);
  const logger = pino({ level: 'silent' });
  try {
    const results: Record<string, number> = {};
    for (const label of ['in-process', 'hosted']) {
      const sources = async () => (label === 'hosted' ? hostPluginDirs([folder], { pluginOptions: {} }, logger) : loadPluginDirs([folder]));
      await chain(dir, `${label}-warmup`, await sources(), 200);
      results[label] = await chain(dir, label, await sources(), 1_000);
    }
    const warmUs = await backToBack(folder, logger);
    const inProcess = results['in-process'] as number;
    const hosted = results.hosted as number;
    const lines = [
      `no-op third-party plugin, 1,000-step chain, in-process: ${inProcess.toFixed(0).padStart(6)} ms  ${inProcess.toFixed(0).padStart(5)} µs/step`,
      `no-op third-party plugin, 1,000-step chain, hosted:     ${hosted.toFixed(0).padStart(6)} ms  ${hosted.toFixed(0).padStart(5)} µs/step`,
      `hosted / in-process: ${(hosted / inProcess).toFixed(2)}× (goal ≤ 2×); crossing the boundary costs ${(hosted - inProcess).toFixed(0)} µs a step`,
      `the same plugin run back to back through its host, no engine between runs: ${warmUs.toFixed(1)} µs a run`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
