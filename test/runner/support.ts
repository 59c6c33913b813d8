/**
 * A sandbox for runner tests: its own database, socket folder (XDG_RUNTIME_DIR) and log folder
 * (XDG_STATE_HOME); real MCP clients over the SDK's StdioClientTransport spawning the real bin
 * without --inline; and a cleanup that kills every bridge and runner the test caused.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { runnerPaths, type RunnerPaths } from '../../src/runner/paths.js';
import { BIN, binEnv, processAlive } from '../helpers/bin.js';
import type { ScriptedLlm } from '../helpers/llm.js';

export interface Connected {
  client: Client;
  /** The bridge process (or the inline server) the client spawned. */
  pid: number;
  stderr(): string;
  ok<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export class RunnerSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'orch-runner-'));
  readonly db = join(this.dir, 'state.db');
  readonly env: Record<string, string>;
  readonly #clients: Connected[] = [];

  constructor() {
    mkdirSync(join(this.dir, 'run'));
    this.env = binEnv({ XDG_RUNTIME_DIR: join(this.dir, 'run'), XDG_STATE_HOME: join(this.dir, 'state') }, { runner: true });
  }

  get paths(): RunnerPaths {
    return runnerPaths(this.db, this.env);
  }

  /** Starts the bin over stdio (`--db` is added) and connects a real MCP client to it. */
  async connect(args: string[] = [], options: { llm?: ScriptedLlm; env?: Record<string, string> } = {}): Promise<Connected> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--db', this.db, ...args],
      env: { ...this.env, ...options.env },
      cwd: this.dir,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const llm = options.llm;
    const client = new Client({ name: 'runner-test', version: '1.0.0' }, { capabilities: llm ? { sampling: {} } : {} });
    if (llm) {
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
        role: 'assistant' as const,
        model: 'scripted-model',
        stopReason: 'endTurn',
        content: { type: 'text' as const, text: await llm.answer(request.params) },
      }));
    }
    await client.connect(transport);
    const connected: Connected = {
      client,
      pid: transport.pid as number,
      stderr: () => stderr,
      async ok(name, toolArgs = {}) {
        const result = (await client.callTool({ name, arguments: toolArgs }, undefined, { timeout: 60_000 })) as CallToolResult;
        if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
        return result.structuredContent as never;
      },
      close: () => client.close(),
    };
    this.#clients.push(connected);
    return connected;
  }

  /** Runs a subcommand of the bin to its end. */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { cwd: this.dir, env: this.env, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** The pids of live runner processes of this sandbox's database (from their command lines). */
  runnerPids(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      const at = argv.indexOf(BIN);
      if (at !== -1 && argv[at + 1] === 'runner' && argv[at + 2] === 'serve' && argv.includes(this.db) && processAlive(Number(entry))) {
        pids.push(Number(entry));
      }
    }
    return pids;
  }

  /** Waits until exactly one runner serves the database and returns its pid. */
  async oneRunner(): Promise<number> {
    await expect.poll(() => this.runnerPids().length, { timeout: 10_000 }).toBe(1);
    return this.runnerPids()[0] as number;
  }

  /** Closes every client, kills every runner of this database, removes the folders. */
  async cleanup(): Promise<void> {
    for (const connected of this.#clients.splice(0)) await connected.close().catch(() => {});
    for (const pid of this.runnerPids()) killQuietly(pid);
    await expect.poll(() => this.runnerPids(), { timeout: 10_000 }).toEqual([]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
