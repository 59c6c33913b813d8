/**
 * One third-party plugin and the host processes that serve it, one at a time: the host is reused
 * step after step; after a crash the next step starts a fresh one; a plugin whose host crashes
 * {@link CRASH_LIMIT} times within {@link CRASH_WINDOW_MS} is turned off until the server restarts.
 */
import type { Logger } from 'pino';
import { errorMessage } from '../../errors.js';
import type { ActionContext, ActionResult, CheckContext } from '../api.js';
import type { PlanCheck } from '../plan-hooks.js';
import type { RemotePlugin } from '../registry.js';
import { crashed, exitText, type HostExit } from './host-exit.js';
import { HostProcess, type HostSpec } from './host-process.js';
import type { HostedMeta, LoadRequest } from './protocol.js';

export const CRASH_LIMIT = 3;
export const CRASH_WINDOW_MS = 60_000;

export class PluginHost implements RemotePlugin {
  readonly meta: HostedMeta;
  readonly listsCommands: boolean;
  readonly #spec: HostSpec;
  readonly #load: LoadRequest;
  readonly #logger: Logger;
  #current: HostProcess | undefined;
  #starting: Promise<HostProcess> | undefined;
  readonly #crashes: number[] = [];
  #broken: string | undefined;
  #closed = false;

  /** `first`: the host that loaded the plugin at start-up, reused unless it needs other limits. */
  constructor(meta: HostedMeta, spec: HostSpec, load: LoadRequest, logger: Logger, first?: HostProcess) {
    this.meta = meta;
    this.listsCommands = meta.hooks.commands;
    this.#spec = spec;
    this.#load = load;
    this.#logger = logger.child({ plugin: meta.name });
    if (first) this.#adopt(first);
  }

  get label(): string {
    return `${this.meta.name} (${this.#spec.file})`;
  }

  /** The running host's pid (for tests and logs). */
  get pid(): number | undefined {
    return this.#current?.running ? this.#current.pid : undefined;
  }

  async check(input: Record<string, unknown>, ctx: CheckContext): Promise<PlanCheck> {
    const host = await this.#ready(false);
    return host.check(input, ctx);
  }

  async run(input: Record<string, unknown>, ctx: ActionContext): Promise<ActionResult> {
    const host = await this.#ready(true);
    return host.run(input, ctx);
  }

  /** Starts a host now (start-up does, so a plugin that cannot load stops the server at once). */
  async start(): Promise<void> {
    await this.#ready(false);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const host = this.#current ?? (await this.#starting?.catch(() => undefined));
    await host?.stop('the server is shutting down');
  }

  async #ready(forStep: boolean): Promise<HostProcess> {
    if (this.#broken) throw crashed(this.#broken, forStep, { plugin: this.meta.name, file: this.#spec.file, broken: true });
    if (this.#closed) throw crashed(`plugin host for ${this.label} is closed: the server is shutting down`, forStep);
    if (this.#current?.running) return this.#current;
    this.#starting ??= this.#spawn().finally(() => {
      this.#starting = undefined;
    });
    try {
      return await this.#starting;
    } catch (error) {
      throw crashed(`plugin host for ${this.label} could not be started: ${errorMessage(error)}`, forStep, { plugin: this.meta.name });
    }
  }

  async #spawn(): Promise<HostProcess> {
    const host = new HostProcess(this.#spec, this.#logger);
    try {
      const meta = await host.load(this.#load);
      if (meta.name !== this.meta.name) throw new Error(`the file now provides "${meta.name}" instead`);
    } catch (error) {
      host.kill('it could not load the plugin');
      this.#crashed(`could not load the plugin again: ${errorMessage(error)}`);
      throw error;
    }
    this.#adopt(host);
    this.#logger.info({ hostPid: host.pid }, 'plugin host started');
    return host;
  }

  #adopt(host: HostProcess): void {
    this.#current = host;
    void host.exited.then((exit) => this.#exited(host, exit));
  }

  #exited(host: HostProcess, exit: HostExit): void {
    if (this.#current === host) this.#current = undefined;
    if (this.#closed) return;
    if (exit.stoppedBecause) {
      this.#logger.warn({ hostPid: host.pid, because: exit.stoppedBecause }, 'plugin host stopped; the next step starts a fresh one');
      return;
    }
    this.#crashed(exitText(exit));
  }

  #crashed(how: string): void {
    const now = Date.now();
    this.#crashes.push(now);
    while (this.#crashes.length > 0 && (this.#crashes[0] as number) <= now - CRASH_WINDOW_MS) this.#crashes.shift();
    this.#logger.warn({ how, crashes: this.#crashes.length }, 'plugin host crashed; the next step starts a fresh one');
    if (this.#crashes.length >= CRASH_LIMIT && !this.#broken) {
      this.#broken =
        `the ${this.meta.name} plugin (${this.#spec.file}) is turned off: its host crashed ${this.#crashes.length} times within ` +
        `${CRASH_WINDOW_MS / 1000} s (last: ${how}). Fix the plugin, then restart the server.`;
      this.#logger.error({ how }, this.#broken);
    }
  }
}
