import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { forEachLine, Tail } from './output-log.js';

export interface HostSpec {
  file: string;
  dirs: readonly string[];
  memoryMb?: number;
}

/**
 * Starts a plugin host process: an IPC channel (JSON, as results are stored), stdin closed, stdout
 * and stderr line by line to the server's log, in a process group of its own so that one kill also
 * reaches whatever the plugin started. Returns the child and the tail of its stderr.
 */
export function spawnHost(spec: HostSpec, logger: Logger): { child: ChildProcess; stderr: Tail } {
  const child = fork(entryPath(), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    detached: true,
    execArgv: spec.memoryMb === undefined ? [] : [`--max-old-space-size=${spec.memoryMb}`],
  });
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

/** The host's entry module as Node can run it; run from the TypeScript sources (tests), the build's. */
function entryPath(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/src/plugins/host/entry.js', here) : new URL('./entry.js', here);
}
