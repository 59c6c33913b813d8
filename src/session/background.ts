/**
 * How server→client messages sent outside a client request reach the client. Over Streamable HTTP
 * they go to the session's standalone GET stream, and the SDK silently drops them when the client
 * has not opened it (a request would then hang until its timeout), so the HTTP transport tracks
 * that stream. stdio and legacy SSE deliver while the session is open.
 */
export interface BackgroundStream {
  isOpen(): boolean;
  /** Resolves true as soon as the stream is open; false after `ms`, or when `signal` aborts. */
  whenOpen(ms: number, signal: AbortSignal): Promise<boolean>;
  /** Calls `lost` when the stream closes and stays closed for `ms`; returns the unsubscribe. */
  onLost(ms: number, lost: () => void): () => void;
}

export const ALWAYS_REACHABLE: BackgroundStream = {
  isOpen: () => true,
  whenOpen: async () => true,
  onLost: () => () => {},
};

/**
 * How long a background request waits for the stream to (re)open. The SDK client reopens a dropped
 * GET stream after about a second; a client that never opens one is told within seconds.
 */
export const REACH_GRACE_MS = 2_500;

/**
 * Runs a server→client request from background work only when the client can receive it, and
 * aborts it with `unreachable()` when the stream goes away for good while it waits for the answer
 * (a client that died without ending its session would otherwise keep it waiting for the full timeout).
 */
export async function whileReachable<T>(
  background: BackgroundStream,
  signal: AbortSignal,
  unreachable: () => Error,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!(await background.whenOpen(REACH_GRACE_MS, signal))) {
    throw signal.aborted ? (signal.reason as Error) : unreachable();
  }
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  const stop = background.onLost(REACH_GRACE_MS, () => controller.abort(unreachable()));
  try {
    return await run(controller.signal);
  } finally {
    stop();
    signal.removeEventListener('abort', forward);
  }
}
