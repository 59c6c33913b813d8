/**
 * A hosted plugin's ctx works across the process boundary as it does in the server: values, exec
 * (a real command; a refused one rejects with ExecError), llm (sampling through the client), notify,
 * progress, deps, options without the server's keys; cancellation reaches exec calls and calls the
 * plugin gives up on. Plan-time hooks run in the host: input parsing with its zod schema, `check`,
 * `commands` (classified by the server) and `planner.context`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, readPid, spawnServer, type SpawnedServer } from '../helpers/bin.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { ScriptedLlm, fenced } from '../helpers/llm.js';
import { finished, plan, start, status, step, until } from '../engine-mcp/support.js';
import { FIXTURES, hosted } from './host-support.js';

const OPTIONS = { ctx_tour: { greeting: 'ahoy', limits: { timeoutSeconds: 30 } } };

let h: Harness | undefined;
let server: SpawnedServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  await server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
  h = undefined;
  server = undefined;
  dir = undefined;
});

async function harness(llm?: ScriptedLlm): Promise<Harness> {
  h = await startHarness({ plugins: await hosted('host-ctx', OPTIONS), config: { pluginOptions: OPTIONS }, ...(llm ? { llm } : {}) });
  return h;
}

describe('ctx across the boundary', () => {
  it('gives the plugin its values, and runs exec, llm, notify and progress on the server', async () => {
    const llm = new ScriptedLlm(['  Forty-two, give or take.\n']);
    const hh = await harness(llm);
    const planned = await start(hh, 'tour', [
      { description: 'Take notes', action: 'plan', output: 'notes' },
      { description: 'Look around', action: 'ctx_tour', ask: 'What is the answer?', depends_on: [0] },
    ]);
    const task = await finished(hh, planned.taskId);
    expect(task.phase).toBe('completed');
    const toured = step(task, 's2');
    expect(toured.summary).toBe('toured s2');
    expect(toured.outputs?.stdout).toBe('from-exec\n');
    expect(toured.outputs?.data).toEqual({
      taskId: planned.taskId,
      stepId: 's2',
      description: 'Look around',
      workdir: hh.dir,
      options: { greeting: 'ahoy' },
      deps: { s1: step(task, 's1').summary },
      llmAvailable: true,
      answer: '  Forty-two, give or take.\n',
      notified: true,
      refused: 'ExecError forbidden',
      hostPid: expect.any(Number),
    });
    expect((toured.outputs?.data as { hostPid: number }).hostPid).not.toBe(process.pid);
    expect(llm.requests.at(-1)?.messages[0]?.content).toEqual({ type: 'text', text: 'What is the answer?' });
    const events = hh.logs.map((log) => log.data as { event?: string; message?: string; stepId?: string });
    expect(events).toContainEqual(expect.objectContaining({ event: 'step_progress', stepId: 's2', message: 'touring' }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'notify', stepId: 's2', message: 'tour says hi' }));
    expect(hh.logs.find((log) => (log.data as { event?: string }).event === 'notify')?.level).toBe('warning');
  });

  it('aborts an llm call when the plugin aborts the signal it passed', async () => {
    const hh = await harness(new ScriptedLlm([], () => new Promise<string>(() => {})));
    const planned = await start(hh, 'impatient', [{ description: 'Ask and give up', action: 'ctx_tour', mode: 'own-cancel' }]);
    const task = await finished(hh, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toMatch(/^rejected: /);
    expect(step(task, 's1').outputs?.data).toEqual({ aborted: true });
  });

  it('kills the command an exec call is running when the step is cancelled', async () => {
    const hh = await harness();
    const pidFile = join(hh.dir, 'sleeper.pid');
    const planned = await start(hh, 'sleep', [{ description: 'Sleep', action: 'ctx_tour', mode: 'exec-wait', pidFile }]);
    await until(hh, planned.taskId, () => readPid(pidFile) !== undefined);
    const sleeper = readPid(pidFile) as number;
    await hh.ok('cancel', { taskId: planned.taskId });
    expect((await status(hh, planned.taskId)).phase).toBe('cancelled');
    await expect.poll(() => processAlive(sleeper), { timeout: 2_000 }).toBe(false);
  });
});

describe('plan-time hooks in the host', () => {
  it('parses input with the plugin’s zod schema and lists its commands; the server raises the tier', async () => {
    const hh = await harness();
    const planned = await plan(hh, 'clean', [{ description: 'Clean up', action: 'ctx_tour', command: 'rm -rf build' }]);
    expect(planned.steps[0]).toMatchObject({ tier: 'destructive', input: { mode: 'tour', command: 'rm -rf build' } });
    expect(planned.planText).toContain('rm -rf build');
  });

  it('reports problems from the schema and from check as PLAN_INVALID naming the field', async () => {
    const hh = await harness();
    const badMode = await hh.call('plan', { request: 'x', steps: [{ description: 'Tour', action: 'ctx_tour', mode: 'dance' }] });
    expect(errorCode(badMode)).toBe('PLAN_INVALID');
    expect(JSON.stringify(badMode.content)).toContain('mode');
    const sudo = await hh.call('plan', { request: 'x', steps: [{ description: 'Tour', action: 'ctx_tour', command: 'sudo ls' }] });
    expect(errorCode(sudo)).toBe('PLAN_INVALID');
    expect(JSON.stringify(sudo.content)).toContain('command: ctx_tour never runs sudo');
  });

  it('tells planners the planner.context lines it computed with its options', async () => {
    const llm = new ScriptedLlm([fenced([{ description: 'Look around', action: 'ctx_tour' }])]);
    const hh = await harness(llm);
    const planned = await hh.ok<{ steps: Array<{ action: string }> }>('plan', { request: 'look around' });
    expect(planned.steps.map((s) => s.action)).toEqual(['ctx_tour']);
    const prompt = JSON.stringify(llm.requests[0]);
    expect(prompt).toContain('ctx_tour greets with \\"ahoy\\".');
    expect(prompt).toContain('Use ctx_tour to look around.');
  });
});

describe('ctx.logger', () => {
  it('writes to the server log, even with fields that do not serialise (real bin)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrate-host-ctx-'));
    server = await spawnServer(['--db', join(dir, 'state.db'), '--plugins', join(FIXTURES, 'host-ctx')], { cwd: dir });
    const planned = await server.ok('plan', { request: 'tour', steps: [{ description: 'Tour', action: 'ctx_tour' }] });
    await server.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
    const { task } = await server.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
    expect(task.phase).toBe('completed');
    const logged = server
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: 'tour log line', big: '10', plugin: 'ctx_tour', stepId: 's1', taskId: planned.taskId }),
    );
  });
});
