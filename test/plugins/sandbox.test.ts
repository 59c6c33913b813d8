import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../helpers/bin.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { ExecError, type ExecErrorKind } from '../../src/plugins/api.js';
import { createExec, type SandboxConfig } from '../../src/plugins/sandbox.js';
import { stepEnvironment } from '../../src/plugins/step-env.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, start, status, step, until } from '../engine-mcp/support.js';

/** Backgrounds two sleepers, records every pid of the group, and waits for them. */
const SLEEPERS = 'sleep 3600 & echo $! > a.pid; sleep 3600 & echo $! > b.pid; echo $$ > leader.pid; wait';
const PID_FILES = ['leader.pid', 'a.pid', 'b.pid'];

const spawned: number[] = [];
let current: Harness | undefined;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-sandbox-'));
});

afterEach(async () => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  await current?.close();
  current = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** The config defaults, but a timeout a broken test reaches well before vitest's own. */
function defaults(): Config['exec'] {
  return {
    forbidden: ['dd', 'mkfs', 'shutdown', 'reboot'],
    envPassthrough: [],
    env: stepEnvironment(process.env),
    timeoutMs: 10_000,
    maxOutputBytes: 1024 * 1024,
  };
}

function sandbox(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return { ...defaults(), ...overrides };
}

async function harness(exec: Partial<Config['exec']> = {}): Promise<Harness> {
  current = await startHarness({ config: { exec: { ...defaults(), ...exec } } });
  return current;
}

/** Waits for the pid files a command writes, and keeps the pids for cleanup. */
async function pidsIn(where: string, files = PID_FILES): Promise<number[]> {
  const read = (file: string): number => Number(existsSync(join(where, file)) ? readFileSync(join(where, file), 'utf8') : 0);
  await expect.poll(() => files.every((file) => read(file) > 0)).toBe(true);
  const pids = files.map(read);
  spawned.push(...pids);
  return pids;
}

async function refusal(promise: Promise<unknown>): Promise<{ kind: ExecErrorKind; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExecError);
  return { kind: (error as ExecError).kind, message: (error as ExecError).message };
}

describe('sandbox: process groups', () => {
  it('kills the whole group, grandchildren too, when the task is cancelled', async () => {
    const h = await harness();
    const planned = await start(h, 'sleepers', [{ description: 'Start sleepers', action: 'shell', command: SLEEPERS }]);
    const pids = await pidsIn(h.dir);
    expect(pids.filter(processAlive)).toEqual(pids);
    await h.ok('cancel', { taskId: planned.taskId });
    await expect.poll(() => pids.filter(processAlive)).toEqual([]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(step(task, 's1').state).toBe('cancelled');
  });

  it('kills the group and fails the step when a command runs past the exec timeout', async () => {
    const h = await harness({ timeoutMs: 1_000 });
    const planned = await start(h, 'sleepers', [{ description: 'Start sleepers', action: 'shell', command: SLEEPERS }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    expect(step(task, 's1').error).toBe('`sh` was killed for taking too long.');
    const pids = await pidsIn(h.dir);
    await expect.poll(() => pids.filter(processAlive)).toEqual([]);
  });

  it('returns when the leader exits, killing what it left running in the background', async () => {
    const exec = createExec(sandbox(), dir, new AbortController().signal);
    const result = await exec({ mode: 'shell', command: 'sleep 3600 & echo $! > a.pid; echo started' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    const [background] = await pidsIn(dir, ['a.pid']);
    await expect.poll(() => processAlive(background as number)).toBe(false);
  });

  it('kills the group when the signal aborts, and the run still settles', async () => {
    const abort = new AbortController();
    const run = createExec(sandbox(), dir, abort.signal)({ mode: 'shell', command: SLEEPERS });
    const pids = await pidsIn(dir);
    abort.abort();
    await expect(run).resolves.toMatchObject({ exitCode: 137 });
    await expect.poll(() => pids.filter(processAlive)).toEqual([]);
  });
});

describe('sandbox: output cap', () => {
  const FLOOD = 'head -c 5000 /dev/zero | tr "\\000" x';

  it('cuts output past maxOutputBytes and says so', async () => {
    const result = await createExec(
      sandbox({ maxOutputBytes: 1024 }),
      dir,
      new AbortController().signal,
    )({ mode: 'shell', command: FLOOD });
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe(`${'x'.repeat(1024)}\n…[output truncated at 1024 bytes]`);
  });

  it('keeps the marker in the step output seen through status', async () => {
    const h = await harness({ maxOutputBytes: 1024 });
    const planned = await start(h, 'flood', [{ description: 'Flood', action: 'shell', command: FLOOD }]);
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    const outputs = step(await status(h, planned.taskId), 's1').outputs;
    expect(outputs?.stdout).toMatch(/^x{1024}\n…\[output truncated at 1024 bytes\]$/);
  });

  // Known gap: the exec result's `truncated` is dropped by the shell/execute plugins and the step
  // outputs have no field for it, so the view only flags its own 4 KiB cap. Flip to `it` once fixed.
  it('flags outputs.truncated in the status view when the sandbox cut the output', async () => {
    const h = await harness({ maxOutputBytes: 1024 });
    const planned = await start(h, 'flood', [{ description: 'Flood', action: 'shell', command: FLOOD }]);
    await finished(h, planned.taskId);
    expect(step(await status(h, planned.taskId), 's1').outputs?.truncated).toBe(true);
  });
});

describe('sandbox: allowlist', () => {
  it('rejects an execute step calling a binary off the allowlist at plan time', async () => {
    const h = await harness({ allowlist: ['echo'] });
    const result = await h.call('plan', { request: 'list', steps: [{ description: 'List root', action: 'execute', command: 'ls /' }] });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    const error = (result.structuredContent as { error: { message: string; details: { field: string } } }).error;
    expect(error.details.field).toBe('command');
    expect(error.message).toContain('`ls`');
    expect(error.message).toContain('not on the sandbox allowlist');
  });

  it('refuses a binary off the allowlist at run time with the humanized text', async () => {
    const exec = createExec(sandbox({ allowlist: ['echo'] }), dir, new AbortController().signal);
    expect(await refusal(exec({ mode: 'argv', command: 'ls /' }))).toEqual({
      kind: 'not_allowed',
      message: "Cannot run `ls` here — it isn't on the sandbox allowlist. Add it under `exec.allowlist` if this command is safe to run.",
    });
    await expect(exec({ mode: 'argv', command: 'echo fine' })).resolves.toMatchObject({ exitCode: 0, stdout: 'fine\n' });
  });

  it('lets a plugin-built argv past the allowlist', async () => {
    const exec = createExec(sandbox({ allowlist: ['echo'] }), dir, new AbortController().signal);
    await expect(exec({ mode: 'argv', command: 'agent', argv: ['ls', '-d', dir] })).resolves.toMatchObject({
      exitCode: 0,
      stdout: `${dir}\n`,
    });
  });
});

describe('sandbox: refusals', () => {
  const exec = (config: Partial<SandboxConfig> = {}, cwd?: string) => createExec(sandbox(config), cwd ?? dir, new AbortController().signal);

  it('refuses forbidden binaries, by base name and with a suffix, even in a plugin-built argv', async () => {
    const text = '`dd` is explicitly forbidden by config and cannot run.';
    expect(await refusal(exec()({ mode: 'argv', command: 'dd if=/dev/zero of=x count=1' }))).toEqual({ kind: 'forbidden', message: text });
    expect(await refusal(exec()({ mode: 'argv', command: 'x', argv: ['/bin/dd', 'if=/dev/zero'] }))).toEqual({
      kind: 'forbidden',
      message: text,
    });
    expect((await refusal(exec()({ mode: 'argv', command: 'mkfs.ext4 /dev/null' }))).kind).toBe('forbidden');
  });

  it('refuses a forbidden binary anywhere in a shell line, before anything of the line runs', async () => {
    const text = '`dd` is explicitly forbidden by config and cannot run.';
    for (const command of [
      `touch ${join(dir, 'ran')} && dd if=/dev/zero of=x count=1`,
      `touch ${join(dir, 'ran')}; sh -c 'dd if=/dev/zero of=x count=1'`,
      `echo $(touch ${join(dir, 'ran')}; dd if=/dev/zero of=x count=1)`,
      'sudo -n dd if=/dev/zero of=x count=1',
    ]) {
      expect(await refusal(exec()({ mode: 'shell', command }))).toEqual({ kind: 'forbidden', message: text });
    }
    expect((await refusal(exec()({ mode: 'shell', command: 'echo `mkfs.ext4 /dev/null`' }))).message).toBe(
      '`mkfs.ext4` is explicitly forbidden by config and cannot run.',
    );
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    await expect(exec()({ mode: 'shell', command: 'echo dd' })).resolves.toMatchObject({ exitCode: 0, stdout: 'dd\n' });
  });

  it('refuses a forbidden binary behind a wrapper in argv mode', async () => {
    expect(await refusal(exec()({ mode: 'argv', command: 'timeout 5 dd if=/dev/zero of=x count=1' }))).toEqual({
      kind: 'forbidden',
      message: '`dd` is explicitly forbidden by config and cannot run.',
    });
  });

  it('blocks the cloud metadata address in any argument, in both modes', async () => {
    expect(await refusal(exec()({ mode: 'argv', command: 'curl http://169.254.169.254/latest/meta-data' }))).toEqual({
      kind: 'forbidden',
      message: '`curl` was blocked: the cloud metadata address is off limits.',
    });
    expect(await refusal(exec()({ mode: 'argv', command: 'agent', argv: ['/usr/bin/wget', '169.254.169.254'] }))).toEqual({
      kind: 'forbidden',
      message: '`wget` was blocked: the cloud metadata address is off limits.',
    });
    expect((await refusal(exec()({ mode: 'shell', command: 'curl 169.254.169.254' }))).message).toBe(
      '`sh` was blocked: the cloud metadata address is off limits.',
    );
  });

  it('refuses a working directory outside allowedPaths, including a look-alike sibling', async () => {
    const allowed = join(dir, 'allowed');
    mkdirSync(join(allowed, 'sub'), { recursive: true });
    mkdirSync(`${allowed}-evil`);
    const text = "Working directory for `echo` isn't allowed. Add the path under `exec.allowedPaths` to permit it.";
    expect(await refusal(exec({ allowedPaths: [allowed] }, dir)({ mode: 'argv', command: 'echo hi' }))).toEqual({
      kind: 'path',
      message: text,
    });
    expect((await refusal(exec({ allowedPaths: [allowed] })({ mode: 'argv', command: 'echo hi', cwd: `${allowed}-evil` }))).kind).toBe(
      'path',
    );
    await expect(exec({ allowedPaths: [allowed] })({ mode: 'argv', command: 'echo hi', cwd: join(allowed, 'sub') })).resolves.toMatchObject(
      {
        exitCode: 0,
      },
    );
  });

  it('reports a binary that does not exist as failed to run', async () => {
    const missing = await refusal(exec()({ mode: 'argv', command: 'no-such-binary-for-orchestrate --flag' }));
    expect(missing.kind).toBe('launch');
    expect(missing.message).toMatch(/^`no-such-binary-for-orchestrate` failed to run: /);
  });

  it('kills a command that runs past its timeout and says so', async () => {
    const late = await refusal(exec({ timeoutMs: 200 })({ mode: 'argv', command: 'sleep 3600' }));
    expect(late).toEqual({ kind: 'timeout', message: '`sleep` was killed for taking too long.' });
  });

  it('reads a zero timeout as the default one, not as "kill at once"', async () => {
    await expect(exec()({ mode: 'argv', command: 'echo in time', timeoutMs: 0 })).resolves.toMatchObject({
      exitCode: 0,
      stdout: 'in time\n',
    });
  });

  it('does not treat a non-zero exit as a refusal', async () => {
    await expect(exec()({ mode: 'shell', command: 'echo oops >&2; exit 3' })).resolves.toMatchObject({ exitCode: 3, stderr: 'oops\n' });
  });
});

describe('sandbox: trailing redirect', () => {
  it('writes stdout to the file for `>` and appends for `>>`', async () => {
    const exec = createExec(sandbox(), dir, new AbortController().signal);
    const first = await exec({ mode: 'argv', command: 'echo "hello world" > out.txt' });
    expect(first).toMatchObject({ exitCode: 0, redirectedTo: join(dir, 'out.txt') });
    await exec({ mode: 'argv', command: 'echo again >> out.txt' });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('hello world\nagain\n');
  });

  it('reports a redirect it cannot write', async () => {
    const exec = createExec(sandbox(), dir, new AbortController().signal);
    const failed = await refusal(exec({ mode: 'argv', command: 'echo x > no-such-dir/out.txt' }));
    expect(failed.kind).toBe('redirect');
    expect(failed.message).toMatch(new RegExp(`^Redirect to ${join(dir, 'no-such-dir', 'out.txt')} failed: ENOENT`));
  });

  it('lists the file as the artifact of an execute step', async () => {
    const h = await harness();
    const planned = await start(h, 'save', [{ description: 'Save', action: 'execute', command: 'echo saved > saved.txt' }]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').outputs?.artifacts).toEqual([join(h.dir, 'saved.txt')]);
    expect(readFileSync(join(h.dir, 'saved.txt'), 'utf8')).toBe('saved\n');
  });
});
