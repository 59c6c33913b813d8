/**
 * Finds the runner of a database, starting it when none answers. Ten bridges that start at the
 * same moment end with one runner: only the bridge holding the spawn lock spawns; the others wait
 * for the socket. A stale socket (its runner killed) is replaced by the runner spawned next, which
 * takes over the dead runner's lock. Node built-ins only.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrchestrateError, type ErrorCode } from '../errors.js';
import { openRunner } from './control.js';
import { lockHeld, releaseLock, selfHolder, tryLock } from './lock.js';
import { prepareLogDir, type RunnerPaths } from './paths.js';
import { parseLine, type Preamble } from './protocol.js';

export interface StartOptions {
  paths: RunnerPaths;
  hello: Preamble;
  /** How to start a runner: the bin, the serve flags, and the environment and folder to start it in. */
  bin: string;
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  timeoutMs?: number;
}

/** What a runner that could not start reports through its ready pipe. */
export interface StartFailure {
  ok: false;
  exitCode: number;
  message: string;
}

/** A runner that could not start, with what it said, so the bridge can exit the way inline serving would. */
export class RunnerStartError extends Error {
  constructor(readonly failure: StartFailure) {
    super(failure.message);
  }
}

const POLL_MS = 25;
const MAX_LOG_BYTES = 10 * 1024 * 1024;

/** Resolves to a socket whose runner accepted the bridge preamble. */
export async function connectOrStart(options: StartOptions): Promise<Socket> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastProblem = 'no runner answered';
  while (Date.now() < deadline) {
    const opened = await openRunner(options.paths.socket, options.hello);
    if (opened.socket && opened.reply.ok) return opened.socket;
    if (opened.socket) {
      opened.socket.destroy();
      const reply = opened.reply;
      if ('closing' in reply) lastProblem = 'the runner was shutting down';
      else throw new OrchestrateError(reply.code as ErrorCode, String(reply.message), reply.hint ? { hint: String(reply.hint) } : {});
    } else if (!lockHeld(options.paths.lock) && tryLock(options.paths.spawnLock, selfHolder())) {
      try {
        await spawnRunner(options);
      } finally {
        releaseLock(options.paths.spawnLock);
      }
      continue;
    }
    await sleep(POLL_MS);
  }
  throw new OrchestrateError(
    'RUNNER_UNAVAILABLE',
    `No runner for ${options.paths.db} answered on ${options.paths.socket}: ${lastProblem}.`,
    {
      hint: `See the runner log ${options.paths.log}, or serve with --inline.`,
    },
  );
}

/** Starts a detached runner and waits until it listens, finds another runner, or fails. */
async function spawnRunner(options: StartOptions): Promise<void> {
  prepareLogDir(options.paths);
  rotate(options.paths.log);
  const log = openSync(options.paths.log, 'a', 0o600);
  let child;
  try {
    // Its own session and process group, no terminal, stdio not ours: the client's end is not its end.
    child = spawn(process.execPath, [options.bin, 'runner', 'serve', '--ready-fd', '3', ...options.argv], {
      detached: true,
      stdio: ['ignore', log, log, 'pipe'],
      cwd: options.cwd,
      env: options.env,
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  const ready = child.stdio[3] as Readable;
  const outcome = await new Promise<StartFailure | undefined>((resolve) => {
    let text = '';
    ready.setEncoding('utf8');
    ready.on('data', (chunk: string) => (text += chunk));
    ready.on('error', () => {});
    ready.once('close', () => {
      const said = parseLine<{ ok: boolean } & Partial<StartFailure>>(text.split('\n')[0] ?? '');
      if (said?.ok) return resolve(undefined);
      resolve({
        ok: false,
        exitCode: said?.exitCode ?? 1,
        message: said?.message ?? `the runner stopped while starting; see ${options.paths.log}`,
      });
    });
  });
  ready.destroy();
  if (outcome) throw new RunnerStartError(outcome);
}

/** Keeps one older log beside the current one. */
function rotate(log: string): void {
  try {
    if (statSync(log).size > MAX_LOG_BYTES) renameSync(log, `${log}.1`);
  } catch {
    // No log yet.
  }
}
