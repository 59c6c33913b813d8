/**
 * Cancel latency: a task running `sleep 3600` in a real subprocess is cancelled; prints how long
 * until the task is settled and until the child process is gone (goal: well under 2 s).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-cancel-'));
try {
  const loaded = loadConfig([], { ORCHESTRATE_DB: join(dir, 'state.db') });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = createApp(loaded.config, { logger: pino({ level: 'silent' }), workdir: dir });
  const pidFile = join(dir, 'pid');
  const { task } = await app.engine.planWithSteps('sleep for an hour', {}, [
    { description: 'Sleep for an hour', action: 'shell', command: `echo $$ > ${pidFile}; exec sleep 3600` },
  ]);
  await app.engine.approve(task.id, { planHash: task.planHash, actor: 'model' });
  let pid = 0;
  await until(() => {
    try {
      pid = Number(readFileSync(pidFile, 'utf8').trim());
      return pid > 0;
    } catch {
      return false;
    }
  }, 10_000);
  const started = performance.now();
  await app.engine.cancel(task.id, { reason: 'bench', actor: 'model' });
  // Settled: what status reads says so (each read awaited, so a read is not counted late).
  await until(async () => (await app.engine.get(task.id)).task.runs.get('s1')?.state === 'cancelled', 5_000);
  const settledMs = performance.now() - started;
  await until(() => !alive(pid), 5_000);
  const goneMs = performance.now() - started;
  process.stdout.write(
    `cancel during \`sleep 3600\`: task cancelled after ${settledMs.toFixed(1)} ms, child process gone after ${goneMs.toFixed(1)} ms (goal < 2,000 ms)\n`,
  );
  await app.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
