/**
 * Engine throughput: no-op steps through the full engine (graph, state machine, a SQLite write for
 * every transition, a plugin call per step) on a file database, beside the raw SQLite floor measured
 * in the same run. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { z } from 'zod';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { toTaskView } from '../src/engine/views/view.js';
import { definePlugin } from '../src/plugins/api.js';
import { sqliteFloor } from './sqlite-floor.js';

const noop = definePlugin({
  apiVersion: 1,
  name: 'noop',
  description: 'Does nothing.',
  tier: 'read',
  input: z.object({}),
  run: async () => ({ summary: 'ok' }),
});

const sleep10 = definePlugin({
  apiVersion: 1,
  name: 'sleep10',
  description: 'Waits 10 ms.',
  tier: 'read',
  input: z.object({}),
  run: () => new Promise((resolve) => setTimeout(() => resolve({ summary: 'slept' }), 10)),
});

interface Scenario {
  name: string;
  steps: number;
  shape: 'chain' | 'wide';
  action: 'noop' | 'sleep10';
  maxParallel: number;
}

interface Result {
  scenario: Scenario;
  totalMs: number;
  perStepUs: number;
  stepsPerSecond: number;
  statusMs: number;
}

async function run(scenario: Scenario, dir: string): Promise<Result> {
  const loaded = loadConfig([], { ORCHESTRATE_DB: join(dir, `${scenario.name}.db`) });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = createApp(
    { ...loaded.config, maxParallel: scenario.maxParallel },
    { logger: pino({ level: 'silent' }), plugins: [noop, sleep10], workdir: dir },
  );
  try {
    const drafts = Array.from({ length: scenario.steps }, (_, i) => ({
      description: `step ${i}`,
      action: scenario.action,
      ...(scenario.shape === 'chain' && i > 0 ? { depends_on: [i - 1] } : {}),
    }));
    const { task } = await app.engine.planWithSteps(`bench ${scenario.name}`, {}, drafts);
    const started = performance.now();
    await app.engine.approve(task.id, { planHash: task.planHash, actor: 'model' });
    await app.engine.waitFor(task.id, 'terminal', 600_000, new AbortController().signal);
    const totalMs = performance.now() - started;
    const finished = await app.engine.get(task.id);
    if (finished.task.phase !== 'completed') throw new Error(`${scenario.name} ended ${finished.task.phase}`);
    const statusStart = performance.now();
    const reps = 20;
    for (let i = 0; i < reps; i += 1) {
      const { task: t, graph } = await app.engine.get(task.id);
      toTaskView(t, graph, { stepLimit: 100 });
    }
    const statusMs = (performance.now() - statusStart) / reps;
    return {
      scenario,
      totalMs,
      perStepUs: (totalMs * 1000) / scenario.steps,
      stepsPerSecond: scenario.steps / (totalMs / 1000),
      statusMs,
    };
  } finally {
    await app.close();
  }
}

const SCENARIOS: Scenario[] = [
  { name: 'chain-1000', steps: 1_000, shape: 'chain', action: 'noop', maxParallel: 1 },
  { name: 'wide-1000', steps: 1_000, shape: 'wide', action: 'noop', maxParallel: 16 },
  { name: 'chain-10000', steps: 10_000, shape: 'chain', action: 'noop', maxParallel: 1 },
  { name: 'wide-1000-sleep10ms-p16', steps: 1_000, shape: 'wide', action: 'sleep10', maxParallel: 16 },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-bench-'));
  try {
    const floor = sqliteFloor(join(dir, 'floor.db'), 1_000);
    const lines: string[] = [];
    lines.push(`raw SQLite floor, 3 transactions per step (WAL, synchronous=NORMAL): ${floor.toFixed(1)} µs/step`);
    const results: Result[] = [];
    for (const scenario of SCENARIOS) {
      await run({ ...scenario, name: `${scenario.name}-warmup`, steps: Math.min(scenario.steps, 200) }, dir);
      results.push(await run(scenario, dir));
    }
    for (const r of results) {
      lines.push(
        `${r.scenario.name.padEnd(26)} ${String(r.scenario.steps).padStart(6)} steps  ${r.totalMs.toFixed(0).padStart(7)} ms  ` +
          `${r.perStepUs.toFixed(1).padStart(8)} µs/step  ${r.stepsPerSecond.toFixed(0).padStart(7)} steps/s  ` +
          `status ${r.statusMs.toFixed(2)} ms  (×${(r.perStepUs / floor).toFixed(2)} floor)`,
      );
    }
    const chain1k = results.find((r) => r.scenario.name === 'chain-1000');
    const chain10k = results.find((r) => r.scenario.name === 'chain-10000');
    if (chain1k && chain10k) {
      lines.push(
        `flatness: 10,000-step chain costs ${(chain10k.totalMs / chain1k.totalMs).toFixed(2)}× the 1,000-step chain (goal ≤ 10.5×)`,
      );
    }
    const sleepy = results.find((r) => r.scenario.action === 'sleep10');
    if (sleepy) {
      const ideal = (sleepy.scenario.steps / sleepy.scenario.maxParallel) * 10;
      lines.push(
        `wide 10 ms steps, maxParallel 16: ${(sleepy.totalMs / ideal).toFixed(2)}× the ideal ${ideal.toFixed(0)} ms (goal ≤ 1.3×)`,
      );
    }
    lines.push(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
