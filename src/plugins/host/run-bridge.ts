/**
 * Server side of one hosted step: the step's real ActionContext, on which the host's ctx calls are
 * made, following the lists in context-spec.ts.
 */
import type { ActionContext } from '../api.js';
import { CONTEXT_CALLS, CONTEXT_EMITS, CONTEXT_SNAPSHOTS, CONTEXT_VALUES, invokePath, readPath } from './context-spec.js';
import type { CallReply } from './protocol.js';

const EMITS: ReadonlySet<string> = new Set(CONTEXT_EMITS);

export class RunBridge {
  readonly ctx: ActionContext;
  /** Calls in flight, by the host's request id, each with its own abort. */
  readonly #calls = new Map<number, AbortController>();

  constructor(ctx: ActionContext) {
    this.ctx = ctx;
  }

  /** The value fields the host's ctx starts with. */
  values(): Record<string, unknown> {
    return Object.fromEntries(CONTEXT_VALUES.map((path) => [path, readPath(this.ctx, path)]));
  }

  /** The snapshot methods' answers now; a method this ctx lacks answers undefined. */
  snapshots(): Record<string, unknown> {
    return Object.fromEntries(
      CONTEXT_SNAPSHOTS.map((path) => {
        try {
          return [path, invokePath(this.ctx, path, [])];
        } catch {
          return [path, undefined];
        }
      }),
    );
  }

  async call(id: number, path: string, args: unknown[]): Promise<CallReply> {
    const spec = CONTEXT_CALLS.find((candidate) => candidate.path === path);
    if (!spec) throw new Error(`ctx.${path} cannot be called from a plugin host`);
    const controller = new AbortController();
    this.#calls.set(id, controller);
    const given = [...args];
    if (spec.options !== undefined) {
      const options = given[spec.options];
      const signal = AbortSignal.any([this.ctx.signal, controller.signal]);
      given[spec.options] = { ...(options && typeof options === 'object' ? options : {}), signal };
    }
    try {
      const value = await invokePath(this.ctx, path, given);
      return { value, snapshots: this.snapshots() };
    } finally {
      this.#calls.delete(id);
    }
  }

  /** The plugin aborted the signal it gave this call. */
  cancel(id: number): boolean {
    const controller = this.#calls.get(id);
    controller?.abort(new Error('The plugin cancelled this call.'));
    return controller !== undefined;
  }

  emit(path: string, args: unknown[]): void {
    if (!EMITS.has(path)) return;
    try {
      invokePath(this.ctx, path, args);
    } catch {
      // A log line or progress note that cannot be delivered is not worth failing the step for.
    }
  }

  /** The step is over: calls its plugin left running stop too. */
  end(): void {
    for (const controller of this.#calls.values()) controller.abort(new Error('The step is over.'));
    this.#calls.clear();
  }
}
