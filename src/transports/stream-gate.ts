import type { BackgroundStream } from '../session/background.js';

/**
 * Tracks a session's standalone GET stream (Streamable HTTP), which the SDK transport keeps to
 * itself: the HTTP layer reports it opened (200 event-stream sent) and closed (response ended).
 */
export class StreamGate implements BackgroundStream {
  #open = 0;
  readonly #listeners = new Set<() => void>();

  isOpen(): boolean {
    return this.#open > 0;
  }

  opened(): void {
    this.#open += 1;
    this.#notify();
  }

  closed(): void {
    this.#open = Math.max(0, this.#open - 1);
    this.#notify();
  }

  whenOpen(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.isOpen()) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const check = (): void => {
        if (this.isOpen()) finish(true);
      };
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      this.#listeners.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  onLost(ms: number, lost: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      if (this.isOpen()) {
        clearTimeout(timer);
        timer = undefined;
      } else if (!timer) {
        timer = setTimeout(lost, ms);
      }
    };
    this.#listeners.add(check);
    check();
    return () => {
      clearTimeout(timer);
      this.#listeners.delete(check);
    };
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
