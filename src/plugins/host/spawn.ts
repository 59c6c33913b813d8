import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { forEachLine, Tail } from './output-log.js';

export interface HostSpec {
  file: string;
  dirs: readonly string[];
  memoryMb?: number;
}

/** Tells a host started ahead of time to load tsx while it waits (a TypeScript plugin is coming). */
export const PRELOAD_TSX = '--preload-tsx';

/** Hosts started before the server knew which plugin each would load (see prestartHosts). */
const warm: ChildProcess[] = [];

/**
 * Starts `count` plugin hosts ahead of time, so that they boot (Node, zod, their own modules, tsx
 * when `typescript`) while the server loads its own modules; spawnHost hands them out. They do not
 * keep this process alive, and a host nobody takes ends with this process (its IPC channel closes)
 * or with {@link discardWarmHosts}.
 */
export function prestartHosts(count: number, options: { typescript: boolean }): void {
  for (let i = 0; i < count; i += 1) {
    const child = forkHost([], options.typescript ? [PRELOAD_TSX] : []);
    holdsProcess(child, false);
    const drop = (): void => {
      const index = warm.indexOf(child);
      if (index >= 0) warm.splice(index, 1);
    };
    child.once('error', drop);
    child.once('exit', drop);
    warm.push(child);
  }
}

/** The pids of the hosts started ahead of time that nobody took yet (for logs and tests). */
export function warmHostPids(): number[] {
  return warm.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}

/** Stops the hosts started ahead of time that nobody took. */
export function discardWarmHosts(): void {
  for (const child of warm.splice(0)) signalGroup(child, 'SIGKILL');
}

/**
 * Starts a plugin host process (or takes one started ahead of time): an IPC channel (JSON, as
 * results are stored), stdin closed, stdout and stderr line by line to the server's log, in a
 * process group of its own so that one kill also reaches whatever the plugin started. Returns the
 * child and the tail of its stderr.
 */
export function spawnHost(spec: HostSpec, logger: Logger): { child: ChildProcess; stderr: Tail } {
  const child = spec.memoryMb === undefined ? (takeWarm() ?? forkHost([], [])) : forkHost([`--max-old-space-size=${spec.memoryMb}`], []);
  const stderr = new Tail();
  const log = logger.child({ pluginFile: spec.file, hostPid: child.pid });
  if (child.stdout) forEachLine(child.stdout, (line) => log.info({ stream: 'stdout' }, line));
  if (child.stderr) {
    forEachLine(child.stderr, (line) => {
      stderr.add(line);
      log.warn({ stream: 'stderr' }, line);
    });
  }
  return { child, stderr };
}

/** Signals the host's whole process group. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function forkHost(execArgv: string[], args: string[]): ChildProcess {
  return fork(entryPath(), args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json', detached: true, execArgv });
}

/** A warm host still alive, now kept like any other (it holds this process, its output is read). */
function takeWarm(): ChildProcess | undefined {
  for (let child = warm.shift(); child; child = warm.shift()) {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) continue;
    holdsProcess(child, true);
    return child;
  }
  return undefined;
}

/** Whether the child, its IPC channel and its output pipes keep this process's event loop alive. */
function holdsProcess(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null | undefined>;
  for (const handle of handles) (hold ? handle?.ref : handle?.unref)?.call(handle);
}

/** The host's entry module as Node can run it; run from the TypeScript sources (tests), the build's. */
function entryPath(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/src/plugins/host/entry.js', here) : new URL('./entry.js', here);
}
