/**
 * The ActionContext a hosted plugin gets, described as data: which fields are copied to the host
 * when a step starts, which methods cross back to the server and are awaited, and which are sent
 * without waiting. A new ctx member is one line here (`attempt` → VALUES, `budget.spend` → CALLS).
 * `signal` is the one field built in: the host's own, aborted when the server's aborts.
 */

/** Fields read from the server's ctx when the step starts (a snapshot). */
export const CONTEXT_VALUES = [
  'taskId',
  'stepId',
  'description',
  'workdir',
  'options',
  'deps',
  'llm.available',
  'attempt',
  'idempotencyKey',
] as const;

/**
 * Methods that cross to the server and resolve with its answer. `options`: the index of an
 * options argument whose `signal` the server always fills with the call's own signal (aborted with
 * the step, or by the plugin's signal in that argument), so such a call never outlives its step.
 */
export const CONTEXT_CALLS: ReadonlyArray<{ path: string; options?: number }> = [
  { path: 'exec' },
  { path: 'llm.complete', options: 1 },
  { path: 'notify' },
  { path: 'budget.spend' },
  { path: 'agents.delegate', options: 1 },
];

/**
 * Methods without arguments that answer at once: the host answers with the server's answer as it
 * was when the step started, refreshed by every reply to a call (so `budget.remaining()` after an
 * `llm.complete` or a `budget.spend` counts it).
 */
export const CONTEXT_SNAPSHOTS = ['budget.remaining', 'agents.list'] as const;

/** Methods whose caller does not wait (they return nothing): sent, not answered. */
export const CONTEXT_EMITS = ['progress', 'logger.debug', 'logger.info', 'logger.warn', 'logger.error'] as const;

/** The value at a dotted path of an object, or undefined. */
export function readPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets the value at a dotted path, creating the objects on the way. */
export function writePath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = root;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    target = next && typeof next === 'object' ? (next as Record<string, unknown>) : (target[key] = {});
  }
  target[keys[keys.length - 1] as string] = value;
}

/** Calls the method at a dotted path with its owner as `this`; throws when there is none. */
export function invokePath(root: unknown, path: string, args: unknown[]): unknown {
  const keys = path.split('.');
  const owner = keys.length === 1 ? root : readPath(root, keys.slice(0, -1).join('.'));
  const method = readPath(root, path);
  if (typeof method !== 'function') throw new Error(`ctx.${path} is not available in this server`);
  return (method as (...rest: unknown[]) => unknown).apply(owner, args);
}
