/**
 * Server side of one plugin host process: starts it, sends it requests, makes the ctx calls its
 * steps ask for, and fails whatever it was doing, with PLUGIN_CRASHED naming how it ended, when it
 * ends. Knows nothing of restarts (plugin-host.ts does).
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { ActionContext, ActionResult, CheckContext } from '../api.js';
import type { PlanCheck } from '../plan-hooks.js';
import { crashed, exitText, type HostExit } from './host-exit.js';
import type { Tail } from './output-log.js';
import { Peer } from './peer.js';
import { isMessage, type CallRequest, type EmitNote, type HostedMeta, type LoadRequest, type Message } from './protocol.js';
import { RunBridge } from './run-bridge.js';
import { signalGroup, spawnHost, type HostSpec } from './spawn.js';

export type { HostSpec };

/** How long a step that ignores its cancellation keeps its host. */
export const CANCEL_GRACE_MS = 500;
const CHECK_TIMEOUT_MS = 10_000;
const LOAD_TIMEOUT_MS = 60_000;
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit/;

export class HostProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<HostExit>;
  readonly #spec: HostSpec;
  readonly #child: ChildProcess;
  readonly #peer: Peer;
  /** What each request still waiting is doing ("while running step s2"), for the crash message. */
  readonly #doing = new Map<number, string>();
  readonly #runs = new Map<number, RunBridge>();
  readonly #stderr: Tail;
  /** The plugin's name, once loaded (for errors). */
  #name: string | undefined;
  #fatal: string | undefined;
  #stoppedBecause: string | undefined;
  #ended = false;

  constructor(spec: HostSpec, logger: Logger) {
    this.#spec = spec;
    const { child, stderr } = spawnHost(spec, logger);
    this.#child = child;
    this.#stderr = stderr;
    this.pid = child.pid;
    this.#peer = new Peer((message) => {
      // The callback keeps a closed channel from becoming an 'error' event; JSON errors still throw here.
      if (!child.connected) throw new Error('the plugin host is gone');
      child.send(message, undefined, undefined, () => {});
    });
    child.on('message', (message: unknown) => this.#receive(message));
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.#fatal ??= `could not start: ${error.message}`;
        if (child.pid === undefined && !this.#ended) resolve(this.#end(null, null));
      });
      // 'close' waits for stdout and stderr to end (V8's out-of-memory report comes last), unless a
      // child the plugin left behind holds them open.
      child.once('exit', (code, signal) => {
        const settle = (): void => {
          if (!this.#ended) resolve(this.#end(code, signal));
        };
        const timer = setTimeout(settle, 200);
        child.once('close', () => {
          clearTimeout(timer);
          settle();
        });
      });
    });
  }

  /** True while it can take requests: not ended, and not being stopped or killed. */
  get running(): boolean {
    return !this.#ended && this.#stoppedBecause === undefined && this.#child.connected;
  }

  async load(request: LoadRequest): Promise<HostedMeta> {
    const meta = (await this.#ask('load', request, 'while loading the plugin', LOAD_TIMEOUT_MS)) as HostedMeta;
    this.#name = meta.name;
    return meta;
  }

  check(input: Record<string, unknown>, checkContext: CheckContext): Promise<PlanCheck> {
    return this.#ask('check', { input, checkContext }, "while checking a step's input", CHECK_TIMEOUT_MS) as Promise<PlanCheck>;
  }

  async run(input: Record<string, unknown>, ctx: ActionContext): Promise<ActionResult> {
    const bridge = new RunBridge(ctx);
    const { id, reply } = this.#peer.request('run', { input, values: bridge.values(), snapshots: bridge.snapshots() });
    this.#runs.set(id, bridge);
    this.#doing.set(id, `while running step ${ctx.stepId}`);
    const onAbort = (): void => {
      this.#peer.note('abort', { run: id, reason: 'The step was cancelled or timed out.' });
      const timer = setTimeout(() => {
        if (this.#runs.has(id)) this.kill(`step ${ctx.stepId} did not stop within ${CANCEL_GRACE_MS} ms of its cancellation`);
      }, CANCEL_GRACE_MS);
      timer.unref();
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await reply) as ActionResult;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      this.#runs.delete(id);
      this.#doing.delete(id);
      bridge.end();
    }
  }

  /** Kills the host and everything it started, at once; what it was doing fails saying `because`. */
  kill(because: string): void {
    this.#stoppedBecause ??= because;
    signalGroup(this.#child, 'SIGKILL');
  }

  /** Stops the host (SIGTERM, then SIGKILL after 1 s) and waits until it has exited. */
  async stop(because: string): Promise<HostExit> {
    if (this.#ended) return this.exited;
    this.#stoppedBecause ??= because;
    signalGroup(this.#child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.#child, 'SIGKILL'), 1_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async #ask(kind: string, body: unknown, doing: string, timeoutMs: number): Promise<unknown> {
    const { id, reply } = this.#peer.request(kind, body);
    this.#doing.set(id, doing);
    const timer = setTimeout(() => this.kill(`it did not answer within ${timeoutMs / 1000} s`), timeoutMs);
    try {
      return await reply;
    } finally {
      clearTimeout(timer);
      this.#doing.delete(id);
    }
  }

  #receive(message: unknown): void {
    if (!isMessage(message)) return;
    if (message.t === 'res') {
      this.#peer.settle(message);
    } else if (message.t === 'req') {
      this.#serveCall(message);
    } else if (message.kind === 'emit') {
      const { run, path, args } = message.body as EmitNote;
      this.#runs.get(run)?.emit(String(path), Array.isArray(args) ? args : []);
    } else if (message.kind === 'cancel') {
      const call = Number((message.body as { call?: unknown }).call);
      for (const bridge of this.#runs.values()) if (bridge.cancel(call)) break;
    } else if (message.kind === 'fatal') {
      this.#fatal = String((message.body as { message?: unknown }).message ?? 'unknown error');
    }
  }

  #serveCall(message: Extract<Message, { t: 'req' }>): void {
    const { run, path, args } = message.body as CallRequest;
    const bridge = message.kind === 'call' ? this.#runs.get(run) : undefined;
    void this.#peer.answer(message.id, async () => {
      if (!bridge) throw new Error(`ctx.${String(path)} was called after its step ended`);
      return bridge.call(message.id, String(path), Array.isArray(args) ? args : []);
    });
  }

  #end(code: number | null, signal: NodeJS.Signals | null): HostExit {
    this.#ended = true;
    // Whatever the plugin started and left behind goes with its host.
    signalGroup(this.#child, 'SIGKILL');
    const exit: HostExit = {
      code,
      signal,
      ...(this.#fatal ? { fatal: this.#fatal } : {}),
      ...(this.#spec.memoryMb !== undefined && OUT_OF_MEMORY.test(this.#stderr.text) ? { outOfMemoryMb: this.#spec.memoryMb } : {}),
      ...(this.#stoppedBecause ? { stoppedBecause: this.#stoppedBecause } : {}),
    };
    const label = this.#name ? `${this.#name} (${this.#spec.file})` : this.#spec.file;
    this.#peer.failAll((id) => {
      const doing = this.#doing.get(id) ?? 'while it was busy';
      const text = `plugin host for ${label} ${exitText(exit)} ${doing}`;
      return crashed(text, this.#runs.has(id), { plugin: this.#name, file: this.#spec.file, code, signal });
    });
    for (const bridge of this.#runs.values()) bridge.end();
    return exit;
  }
}
