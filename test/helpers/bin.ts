import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The real entry point; it runs the built code in dist/ (`npm run build` first). */
export const BIN = fileURLToPath(new URL('../../bin/orchestrate-mcp.js', import.meta.url));

/** How a test serves: in-process (`--inline`, the default) or through a background runner. */
export interface ServeMode {
  /**
   * True to let stdio serving start and use a background runner. Such a test points XDG_RUNTIME_DIR
   * and XDG_STATE_HOME at its own temp folders and kills every runner it caused (test/runner/support.ts).
   */
  runner?: boolean;
}

/**
 * The test's environment without ORCHESTRATE_* settings, so only the flags given count, and with
 * ORCHESTRATE_INLINE=1 unless `mode.runner`: a test that does not test the runner leaves none behind.
 */
export function binEnv(extra: Record<string, string> = {}, mode: ServeMode = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('ORCHESTRATE_')) env[key] = value;
  }
  return { ...env, ...(mode.runner ? {} : { ORCHESTRATE_INLINE: '1' }), ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (and been reaped, so its pid is free). */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export interface RawBin {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
}

/**
 * Spawns the bin with a raw child_process and collects its output; `cleanups` gets a step that
 * kills it if it is still running when the test ends.
 */
export function spawnBin(
  args: string[],
  options: { cwd: string; env?: Record<string, string> } & ServeMode,
  cleanups: Array<() => Promise<unknown>>,
): RawBin {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: binEnv(options.env, options), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = exitOf(child);
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** A client-side MCP transport over a child process we spawned ourselves (so we own its pid and exit code). */
class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #buffer = new ReadBuffer();
  readonly #child: ChildProcessWithoutNullStreams;

  constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
  }

  async start(): Promise<void> {
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.#buffer.readMessage();
        } catch (error) {
          // readMessage consumed the bad line already; report it and go on with the next one.
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        if (message === null) return;
        this.onmessage?.(message);
      }
    });
    this.#child.once('close', () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#child.stdin.writable) throw new Error('Not connected');
    if (!this.#child.stdin.write(serializeMessage(message))) {
      await new Promise<void>((resolve) => this.#child.stdin.once('drain', () => resolve()));
    }
  }

  async close(): Promise<void> {
    this.#child.stdin.end();
  }
}

export interface SpawnedServer {
  child: ChildProcessWithoutNullStreams;
  client: Client;
  /** Errors the client saw, e.g. a stdout line that is not JSON-RPC. */
  errors: Error[];
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool and returns its structured content, failing on isError. */
  ok<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Kills the process if it is still running and waits for it. */
  kill(): Promise<Exit>;
}

/** Spawns the real bin and connects a real MCP client over its stdin/stdout. */
export async function spawnServer(
  args: string[],
  options: { cwd: string; env?: Record<string, string> } & ServeMode,
): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: binEnv(options.env, options), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = exitOf(child);
  const client = new Client({ name: 'e2e-client', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(new ChildTransport(child));
  const call = async (name: string, toolArgs: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: toolArgs }, undefined, { timeout: 60_000 })) as CallToolResult;
  return {
    child,
    client,
    errors,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    call,
    async ok(name, toolArgs = {}) {
      const result = await call(name, toolArgs);
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as never;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Every stdout line is a JSON-RPC message (stdio hygiene). Returns the offenders. */
export function nonJsonLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        const parsed = JSON.parse(line) as { jsonrpc?: unknown };
        return parsed.jsonrpc !== '2.0';
      } catch {
        return true;
      }
    });
}

/** True while the process exists and is not a zombie (a zombie has exited, its parent just has not reaped it). */
export function processAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) {
    try {
      const state = readFileSync(stat, 'utf8')
        .replace(/^.*\)\s*/s, '')
        .charAt(0);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a pid a step wrote (`echo $$ > file`), or undefined while it is not there yet. */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
