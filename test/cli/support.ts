/**
 * The command line under test is the real bin (`npm run build` first), run on database files a
 * real server wrote.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { spawnBin, spawnServer, type SpawnedServer } from '../helpers/bin.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `orchestrate-mcp <args>` to its end. */
export async function cli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const run = spawnBin(args, options, cleanups);
  try {
    const exit = await run.exited;
    return { code: exit.code, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** `cli` for a command that prints JSON on success. */
export async function cliJson<T = Record<string, any>>(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<T> {
  const result = await cli([...args, '--json'], options);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A server on `db` whose host-planned tasks fail without waiting long for corrective steps. */
export async function startServer(dir: string, db: string): Promise<SpawnedServer> {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ replan: { hostTimeoutSeconds: 0.2 } }));
  return spawnServer(['--db', db, '--config', config], { cwd: dir });
}

/** Plans a host-written task and, unless `approve` is false, approves it. */
export async function planTask(
  server: SpawnedServer,
  request: string,
  steps: Array<Record<string, unknown>>,
  approve = true,
): Promise<{ taskId: string; planHash: string }> {
  const planned = await server.ok('plan', { request, steps });
  if (approve) await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  return { taskId: planned.taskId, planHash: planned.planHash };
}

/** Waits (by the status tool's own long-poll, so it works outside a test too) for the task to end. */
export async function waitUntilEnded(server: SpawnedServer, taskId: string): Promise<string> {
  const { task } = await server.ok('status', { taskId, waitUntil: 'terminal', timeoutSeconds: 20 });
  return task.phase as string;
}

export interface SampleTasks {
  /** Three shell steps, the third after the first two: all succeed. */
  completed: string;
  /** A step prints 15 lines and fails with exit 3; the step after it is skipped. */
  failed: string;
  /** Planned, never approved. */
  awaiting: string;
}

export const FAILING_COMMAND =
  'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo "test line $i"; done; echo "boom: assertion failed" >&2; exit 3';

/** Writes three tasks in their end states to `db` through a real server, then stops it. */
export async function writeSampleTasks(dir: string, db: string): Promise<SampleTasks> {
  const server = await startServer(dir, db);
  try {
    const completed = await planTask(server, 'Say hello and count to three', [
      { description: 'Say hello', action: 'shell', command: 'echo hello' },
      { description: 'Count to three', action: 'shell', command: "printf 'one\\ntwo\\nthree\\n'" },
      { description: 'Say done', action: 'shell', command: 'echo done', depends_on: [0, 1] },
    ]);
    if ((await waitUntilEnded(server, completed.taskId)) !== 'completed') throw new Error('the sample task did not complete');
    const failed = await planTask(server, 'Prepare, then run the tests', [
      { description: 'Prepare', action: 'shell', command: 'echo preparing' },
      { description: 'Run the tests', action: 'shell', command: FAILING_COMMAND, depends_on: [0] },
      { description: 'Publish', action: 'shell', command: 'echo never', depends_on: [1] },
    ]);
    if ((await waitUntilEnded(server, failed.taskId)) !== 'failed') throw new Error('the failing sample task did not fail');
    const awaiting = await planTask(server, 'Clean up later', [{ description: 'List files', action: 'shell', command: 'ls' }], false);
    return { completed: completed.taskId, failed: failed.taskId, awaiting: awaiting.taskId };
  } finally {
    await server.client.close();
    await server.exited;
  }
}
