/**
 * Host side: the ActionContext a hosted plugin's `run` gets, built from the lists in
 * context-spec.ts. Values are the server's snapshot; calls cross back to the server.
 */
import { errorMessage } from '../../errors.js';
import type { ActionContext } from '../api.js';
import { CONTEXT_CALLS, CONTEXT_EMITS, CONTEXT_SNAPSHOTS, CONTEXT_VALUES, writePath } from './context-spec.js';
import type { Peer } from './peer.js';
import type { CallReply, RunRequest } from './protocol.js';

export function hostContext(run: number, request: Omit<RunRequest, 'input'>, signal: AbortSignal, peer: Peer): ActionContext {
  const ctx: Record<string, unknown> = { signal };
  const snapshots: Record<string, unknown> = { ...request.snapshots };
  for (const path of CONTEXT_VALUES) writePath(ctx, path, request.values[path]);
  // A copy each time, so a plugin that edits what it got does not change the next answer.
  for (const path of CONTEXT_SNAPSHOTS) writePath(ctx, path, () => structuredClone(snapshots[path]));
  for (const { path, options } of CONTEXT_CALLS) {
    writePath(ctx, path, async (...args: unknown[]) => {
      const reply = (await callServer(peer, run, path, args, options)) as CallReply;
      Object.assign(snapshots, reply.snapshots);
      return reply.value;
    });
  }
  for (const path of CONTEXT_EMITS) {
    writePath(ctx, path, (...args: unknown[]) => {
      // Fields that do not serialise (a BigInt, a cycle) still leave the message.
      if (!peer.note('emit', { run, path, args })) peer.note('emit', { run, path, args: args.map(printable) });
    });
  }
  return ctx as unknown as ActionContext;
}

/**
 * One ctx method call on the server. A signal the plugin passes in the call's options argument
 * stays here: when it aborts, the server is told to abort the call.
 */
async function callServer(peer: Peer, run: number, path: string, given: unknown[], optionsIndex: number | undefined): Promise<unknown> {
  const args = [...given];
  let signal: AbortSignal | undefined;
  const options = optionsIndex === undefined ? undefined : args[optionsIndex];
  if (optionsIndex !== undefined && options && typeof options === 'object') {
    const { signal: own, ...rest } = options as { signal?: unknown };
    if (own instanceof AbortSignal) signal = own;
    args[optionsIndex] = rest;
  }
  signal?.throwIfAborted();
  const { id, reply } = peer.request('call', { run, path, args });
  const onAbort = (): void => {
    peer.note('cancel', { call: id });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await reply;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A copy JSON can carry: BigInts as strings, cycles and functions left out. */
function printable(value: unknown): unknown {
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return item.toString();
      if (item && typeof item === 'object') {
        if (seen.has(item)) return '[cycle]';
        seen.add(item);
      }
      return item;
    });
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    return `[${errorMessage(error)}]`;
  }
}
