/**
 * A third-party client drives the real stdio server: the MCP Inspector CLI, which declares neither
 * sampling nor elicitation. Each call starts a fresh server on the same database file, so the flow
 * also crosses restarts. (The CLI reads ../package.json from its working directory, so it runs from
 * a subfolder of the project.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, binEnv } from '../helpers/bin.js';

const run = promisify(execFile);
const TEST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INSPECTOR = resolve(TEST_DIR, '..', 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'orchestrate-inspector-'));
const db = join(dir, 'state.db');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One tools/call through the Inspector CLI; it exits 0 even for tool errors, so the JSON decides. */
async function callTool(tool: string, args: Record<string, string>): Promise<any> {
  const toolArgs = Object.entries(args).flatMap(([key, value]) => ['--tool-arg', `${key}=${value}`]);
  const { stdout } = await run(
    process.execPath,
    [
      INSPECTOR,
      '--cli',
      process.execPath,
      BIN,
      '--db',
      db,
      '--log-level',
      'warn',
      '--method',
      'tools/call',
      '--tool-name',
      tool,
      ...toolArgs,
    ],
    { cwd: TEST_DIR, env: binEnv(), timeout: 60_000 },
  );
  return JSON.parse(stdout.slice(stdout.indexOf('{')));
}

describe('the MCP Inspector CLI (no sampling, no elicitation)', () => {
  it('plans (needs_plan), plans with steps, approves and follows the task to completion', async () => {
    const needsPlan = await callTool('plan', { request: 'report the node version' });
    expect(needsPlan.isError).toBeFalsy();
    expect(needsPlan.structuredContent.phase).toBe('needs_plan');
    expect(needsPlan.structuredContent.planningPrompt).toContain('report the node version');

    const steps = JSON.stringify([
      { description: 'Read the node version', action: 'shell', command: 'node --version' },
      { description: 'Say it', action: 'plan', output: 'reported', depends_on: [0] },
    ]);
    const planned = await callTool('plan', { request: 'report the node version', steps });
    expect(planned.structuredContent.phase).toBe('awaiting_approval');
    const { taskId, planHash } = planned.structuredContent;

    const approved = await callTool('approve', { taskId, planHash });
    expect(approved.isError).toBeFalsy();
    expect(approved.structuredContent.decision).toBe('approve');

    const status = await callTool('status', { taskId, waitUntil: 'terminal', timeoutSeconds: '20' });
    expect(status.isError).toBeFalsy();
    const task = status.structuredContent.task;
    expect(task.phase).toBe('completed');
    expect(task.steps[0].outputs.stdout).toMatch(/^v\d+\./);
  });

  it('gets coded errors as tool results', async () => {
    const result = await callTool('status', { taskId: 'no-such-task' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent.error.code).toBe('TASK_NOT_FOUND');
  });
});
