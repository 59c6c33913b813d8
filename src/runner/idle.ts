/** How often the runner looks whether it is idle; its exit comes at most this late. */
const CHECK_MS = 500;

/**
 * Calls `onIdle` once `busy()` has been false for `idleMs` without a break (no client connected,
 * no unfinished task). Any busy moment starts the count again.
 */
export function watchIdle(idleMs: number, busy: () => boolean, onIdle: () => void): { stop(): void } {
  let idleSince: number | undefined;
  const timer = setInterval(() => {
    if (busy()) {
      idleSince = undefined;
      return;
    }
    idleSince ??= Date.now();
    if (Date.now() - idleSince < idleMs) return;
    clearInterval(timer);
    onIdle();
  }, CHECK_MS);
  return { stop: () => clearInterval(timer) };
}
