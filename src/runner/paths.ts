/**
 * Where the runner of a database lives: its socket, lock and spawn lock in a user-only folder, its
 * log under the state folder. Named by a short hash of the database path, because a Unix socket
 * path must stay under ~107 bytes.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OrchestrateError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Longest socket path we accept: sun_path is 108 bytes on Linux (104 on macOS) with the NUL. */
const MAX_SOCKET_BYTES = 103;

export interface RunnerPaths {
  /** The database, with its folder's symlinks resolved, so two spellings of one file share a runner. */
  db: string;
  key: string;
  dir: string;
  socket: string;
  /** Held by the runner for its whole life; holds its pid and where it logs. */
  lock: string;
  /** Held by the one bridge that is starting a runner, so ten bridges starting at once spawn one. */
  spawnLock: string;
  log: string;
}

/** The paths of the runner of `db`. Creates nothing. */
export function runnerPaths(db: string, env: Env): RunnerPaths {
  const canonical = canonicalDb(db);
  const key = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  const dir = runtimeDir(env);
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return {
    db: canonical,
    key,
    dir,
    socket: join(dir, `${key}.sock`),
    lock: join(dir, `${key}.lock`),
    spawnLock: join(dir, `${key}.spawn`),
    log: join(stateHome, 'orchestrate-mcp', `runner-${key}.log`),
  };
}

/** `$XDG_RUNTIME_DIR/orchestrate-mcp`, else a folder under the OS temp dir named for the uid. */
export function runtimeDir(env: Env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'orchestrate-mcp');
  return join(tmpdir(), `orchestrate-mcp-${process.getuid?.() ?? 'user'}`);
}

/**
 * Creates the runtime folder user-only (0700) and refuses one that another user owns or that is
 * a symlink: whoever can write there could stand in for the runner.
 */
export function prepareRuntimeDir(paths: RunnerPaths): void {
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_BYTES) {
    throw new OrchestrateError('RUNNER_UNAVAILABLE', `The runner socket path ${paths.socket} is longer than ${MAX_SOCKET_BYTES} bytes.`, {
      hint: 'Set XDG_RUNTIME_DIR (or TMPDIR) to a shorter folder, or serve with --inline.',
    });
  }
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(paths.dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    throw new OrchestrateError('RUNNER_UNAVAILABLE', `${paths.dir} is not a folder of this user; the runner socket cannot live there.`, {
      hint: 'Remove it, point XDG_RUNTIME_DIR at a folder of your own, or serve with --inline.',
    });
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(paths.dir, 0o700);
}

/** The log folder, created user-only. */
export function prepareLogDir(paths: RunnerPaths): void {
  mkdirSync(dirname(paths.log), { recursive: true, mode: 0o700 });
}

function canonicalDb(db: string): string {
  try {
    return join(realpathSync(dirname(db)), basename(db));
  } catch {
    return db;
  }
}
