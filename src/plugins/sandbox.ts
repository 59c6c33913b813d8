import { basename, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ExecError, type Exec, type ExecRequest, type ExecResult } from './api.js';
import { parseCommand } from './command.js';
import { findForbidden, findForbiddenArgv, type ForbiddenMatch } from './forbidden.js';
import { writeRedirect } from './redirect.js';
import { pick, stepEnvironment } from './step-env.js';

export interface SandboxConfig {
  /** Binaries argv commands may run; undefined allows any that is not forbidden. */
  allowlist?: readonly string[];
  forbidden: readonly string[];
  /** The environment every command starts from (PATH, HOME, … and `exec.envPassthrough`). */
  env?: Readonly<Record<string, string>>;
  /** The server's environment, for the names a plugin asks to pass to one command (`inheritEnv`). */
  serverEnv?: Readonly<Record<string, string>>;
  /** Working directories commands may run in (and below); undefined allows any. */
  allowedPaths?: readonly string[];
  timeoutMs: number;
  maxOutputBytes: number;
}

const METADATA_ADDRESS = '169.254.169.254';

/** The sandboxed command runner behind `ctx.exec`, bound to one step's abort signal. */
/** Told the pid of every command's process-group leader as it starts (to stop them after a crash). */
export type OnSpawn = (pid: number) => void;

export function createExec(config: SandboxConfig, defaultCwd: string, signal: AbortSignal, onSpawn?: OnSpawn): Exec {
  return async (request: ExecRequest): Promise<ExecResult> => {
    const cwd = resolve(request.cwd ?? defaultCwd);
    const { file, args, redirect, label } = prepare(request, config);
    if (config.allowedPaths && !config.allowedPaths.some((root) => isInside(cwd, resolve(root)))) {
      throw new ExecError(
        'path',
        `Working directory for \`${label}\` isn't allowed. Add the path under \`exec.allowedPaths\` to permit it.`,
      );
    }
    const result = await run(file, args, cwd, request, config, signal, onSpawn);
    if (result.launchError) throw new ExecError('launch', `\`${label}\` failed to run: ${result.launchError}`);
    if (result.timedOut) throw new ExecError('timeout', `\`${label}\` was killed for taking too long.`);
    let redirectedTo: string | undefined;
    if (redirect && result.exitCode === 0 && !signal.aborted) {
      await writeRedirect(resolve(cwd, redirect.path), result.stdout, redirect.append);
      redirectedTo = resolve(cwd, redirect.path);
    }
    return {
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      truncated: result.truncated,
      ...(redirectedTo ? { redirectedTo } : {}),
    };
  };
}

function prepare(request: ExecRequest, config: SandboxConfig) {
  if (request.mode === 'shell') {
    const command = request.command.trim();
    if (!command) throw new ExecError('launch', 'Empty shell command');
    refuseMetadataAddress('sh', [command]);
    refuseForbidden(findForbidden(command, config.forbidden));
    return { file: 'sh', args: ['-c', command], redirect: undefined, label: 'sh' };
  }
  const fromPlugin = request.argv !== undefined;
  const parsed = fromPlugin ? { argv: [...(request.argv ?? [])], redirect: undefined } : parseCommand(request.command);
  const [file, ...args] = parsed.argv;
  if (file === undefined) throw new ExecError('launch', 'Empty command');
  const bin = basename(file);
  refuseMetadataAddress(bin, [request.command, ...parsed.argv]);
  refuseForbidden(findForbiddenArgv(parsed.argv, config.forbidden));
  if (!fromPlugin && config.allowlist && !config.allowlist.includes(bin)) {
    throw new ExecError(
      'not_allowed',
      `Cannot run \`${bin}\` here — it isn't on the sandbox allowlist. Add it under \`exec.allowlist\` if this command is safe to run.`,
    );
  }
  return { file, args, redirect: parsed.redirect, label: bin };
}

function refuseMetadataAddress(bin: string, texts: readonly string[]): void {
  if (texts.some((text) => text.includes(METADATA_ADDRESS))) {
    throw new ExecError('forbidden', `\`${bin}\` was blocked: the cloud metadata address is off limits.`);
  }
}

/** Every program of the command counts: `echo hi && dd …`, `sudo dd …` and `sh -c 'dd …'` run dd too. */
function refuseForbidden(match: ForbiddenMatch | undefined): void {
  if (match === undefined) return;
  if ('program' in match) throw new ExecError('forbidden', `\`${match.program}\` is explicitly forbidden by config and cannot run.`);
  throw new ExecError('forbidden', `The command was refused: it could not be checked for forbidden binaries (${match.unreadable}).`);
}

interface RawRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  truncated: boolean;
  timedOut: boolean;
  launchError?: string;
}

async function run(
  file: string,
  args: string[],
  cwd: string,
  request: ExecRequest,
  config: SandboxConfig,
  signal: AbortSignal,
  onSpawn?: OnSpawn,
): Promise<RawRun> {
  // Loaded on first use: execa is a large import and most sessions start without running a command.
  const { execa } = await import('execa');
  // detached: the child leads its own process group, so one kill reaches its grandchildren too.
  const child = execa(file, args, {
    cwd,
    env: {
      ...(config.env ?? stepEnvironment({})),
      ...pick(config.serverEnv ?? {}, request.inheritEnv ?? []),
      ...request.env,
      PWD: cwd,
    },
    extendEnv: false,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stripFinalNewline: false,
  });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  const stdout = collect(child.stdout, config.maxOutputBytes);
  const stderr = collect(child.stderr, config.maxOutputBytes);
  let timedOut = false;
  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  const onAbort = (): void => killGroup();
  signal.addEventListener('abort', onAbort, { once: true });
  // Background processes the leader left behind would hold its pipes open, and the run would wait
  // for them until the timeout: once the leader is gone, so is its group.
  child.once('exit', killGroup);
  if (signal.aborted) killGroup();
  // As in the seed, a zero (or negative) timeout means "the default", not "kill at once".
  const timeoutMs = request.timeoutMs !== undefined && request.timeoutMs > 0 ? request.timeoutMs : config.timeoutMs;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  try {
    const result = await child;
    const out = await stdout;
    const err = await stderr;
    const launchError =
      result.failed && result.exitCode === undefined && !result.signal && !timedOut && !signal.aborted ? result.shortMessage : undefined;
    return {
      stdout: out.text,
      stderr: err.text,
      exitCode: result.exitCode ?? (result.signal ? 128 + signalNumber(result.signal) : 1),
      truncated: out.truncated || err.truncated,
      timedOut,
      ...(launchError ? { launchError: launchError.replace(/^Command failed with /, '') } : {}),
    };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // Whatever the leader did, leave no member of its group behind.
    killGroup();
  }
}

function collect(stream: Readable | null, cap: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((done) => {
    if (!stream) {
      done({ text: '', truncated: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    stream.on('data', (chunk: Buffer) => {
      if (size >= cap) {
        truncated = true;
        return;
      }
      const room = cap - size;
      if (chunk.length > room) {
        truncated = true;
        chunks.push(chunk.subarray(0, room));
        size = cap;
      } else {
        chunks.push(chunk);
        size += chunk.length;
      }
    });
    const finish = (): void => {
      let text = Buffer.concat(chunks).toString('utf8');
      if (truncated) text += `\n…[output truncated at ${cap} bytes]`;
      done({ text, truncated });
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function signalNumber(name: string): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[name] ?? 0;
}
