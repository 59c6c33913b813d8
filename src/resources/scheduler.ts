/**
 * When one session's `notifications/resources/updated` go out. Step-level changes are coalesced
 * into at most one update per URI per window. Every phase change gets an update of its own, sent
 * right after the current synchronous mutation (and its transaction) is over: a phase change is
 * never merged away, and its update never arrives before the change can be read.
 */
export class UpdateScheduler {
  readonly #pending = new Set<string>();
  readonly #send: (uri: string) => void;
  readonly #windowMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(send: (uri: string) => void, windowMs: number) {
    this.#send = send;
    this.#windowMs = windowMs;
  }

  /** Sent within `windowMs`, merged with whatever else changes meanwhile. */
  later(uri: string): void {
    if (this.#closed) return;
    this.#pending.add(uri);
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.#flush(), this.#windowMs);
    this.#timer.unref();
  }

  /** Sent once, as soon as the current synchronous work is done; covers every earlier change too. */
  now(uri: string): void {
    if (this.#closed) return;
    this.#pending.delete(uri);
    queueMicrotask(() => {
      if (!this.#closed) this.#send(uri);
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#pending.clear();
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const uris = [...this.#pending];
    this.#pending.clear();
    for (const uri of uris) this.#send(uri);
  }
}
