/**
 * A counting semaphore for running steps: `maxConcurrentSteps` bounds the steps running at once
 * over every task of a process, so five big plans approved together do not start forty commands.
 * Waiters are served first come, first served; a waiter whose signal aborts leaves the queue.
 */
export class Slots {
  readonly #limit: number;
  #used = 0;
  readonly #waiting: Array<{ grant: () => void }> = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get inUse(): number {
    return this.#used;
  }

  /** Resolves with a release function once a slot is free, or undefined when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.#used < this.#limit) {
      this.#used += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(entry);
        if (index >= 0) this.#waiting.splice(index, 1);
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so the count never dips between them.
      if (next) next.grant();
      else this.#used -= 1;
    };
  }
}
