import type { ClientChannel } from '../channel.js';

/** What a running task may need from a session other than the one that approved it. */
export type ChannelNeed = 'log' | 'sample' | 'elicit';

/**
 * The client sessions connected to this process, most recently active first, so a task whose
 * approving session has gone can find another one to report to (see TaskChannel). Sessions attach
 * when their client has initialized and detach when they close; transports mark activity.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, { channel: ClientChannel; seq: number }>();
  readonly #watchers = new Set<() => void>();
  // A counter, not a clock: only the order of activity matters, and two touches never tie.
  #seq = 0;

  attach(channel: ClientChannel): void {
    this.#sessions.set(channel.id, { channel, seq: (this.#seq += 1) });
    for (const watcher of [...this.#watchers]) watcher();
  }

  /**
   * Resolves once a session that can take `need` is open (at once when one is), checking again
   * whenever a session attaches or is active; rejects when `signal` aborts.
   */
  until(need: ChannelNeed, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (signal.aborted) {
          stop();
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        } else if (this.mostRecent(need) !== undefined) {
          stop();
          resolve();
        }
      };
      const stop = (): void => {
        this.#watchers.delete(check);
        signal.removeEventListener('abort', check);
      };
      this.#watchers.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  detach(channel: ClientChannel): void {
    this.#sessions.delete(channel.id);
  }

  /** The client of this session just did something (sent a request, opened a stream). */
  touch(channelId: string): void {
    const entry = this.#sessions.get(channelId);
    if (!entry) return;
    entry.seq = this.#seq += 1;
    // A session may become reachable from background work (an HTTP client opens its stream).
    for (const watcher of [...this.#watchers]) watcher();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The most recently active open session that can take `need` from background work now. */
  mostRecent(need: ChannelNeed, except?: string): ClientChannel | undefined {
    let best: { channel: ClientChannel; seq: number } | undefined;
    for (const entry of this.#sessions.values()) {
      if (entry.channel.id === except || (best && best.seq > entry.seq)) continue;
      if (serves(entry.channel, need)) best = entry;
    }
    return best?.channel;
  }
}

/** Open, reachable from background work, and (for sampling / forms) declared by the client. */
export function serves(channel: ClientChannel, need: ChannelNeed): boolean {
  if (!channel.isOpen() || !(channel.canReach?.() ?? true)) return false;
  if (need === 'sample') return channel.canSample();
  if (need === 'elicit') return !!channel.elicit && (channel.canElicit?.() ?? false);
  return true;
}
