import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import type { Session } from '../server.js';
import type { StreamGate } from './stream-gate.js';

export type SessionKind = 'streamable' | 'sse';

export interface HttpSession extends Session {
  id: string;
  kind: SessionKind;
  transport: Transport;
  /** The GET stream (Streamable HTTP); legacy SSE sessions live exactly as long as theirs. */
  gate?: StreamGate;
  lastActive: number;
  /** Requests being answered and streams open right now: a session with any is not idle. */
  busy: number;
}

/**
 * Every HTTP session of both transports, by session id (one map, so an id is only ever valid on
 * the transport that issued it). Reaps sessions idle longer than `idleMs`: clients that vanish
 * without a DELETE would otherwise keep their McpServer forever.
 */
export class SessionMap {
  readonly #sessions = new Map<string, HttpSession>();
  readonly #idleMs: number;
  readonly #engine: Engine;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #stopReaper: () => void;

  constructor(options: { idleMs: number; engine: Engine; logger: Logger; clock?: Clock }) {
    this.#idleMs = options.idleMs;
    this.#engine = options.engine;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#stopReaper = this.#clock.every(Math.min(Math.max(options.idleMs / 4, 100), 60_000), () => this.#reap());
  }

  /** The time sessions count idleness in, from the map's clock. */
  now(): number {
    return this.#clock.now().getTime();
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): HttpSession | undefined {
    return this.#sessions.get(id);
  }

  add(session: HttpSession): void {
    this.#sessions.set(session.id, session);
    this.#logger.debug({ sessionId: session.id, kind: session.kind }, 'session opened');
  }

  /** Forgets a session whose transport has closed (its McpServer's onclose detached it from the engine). */
  remove(id: string): void {
    if (this.#sessions.delete(id)) this.#logger.debug({ sessionId: id }, 'session closed');
  }

  /** Marks the session busy until the returned function is called; activity counts for routing too. */
  begin(session: HttpSession): () => void {
    session.busy += 1;
    session.lastActive = this.#clock.now().getTime();
    this.#engine.sessions.touch(session.channel.id);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      session.busy -= 1;
      session.lastActive = this.#clock.now().getTime();
    };
  }

  async closeAll(): Promise<void> {
    this.#stopReaper();
    await Promise.allSettled([...this.#sessions.values()].map((session) => this.#close(session)));
  }

  #reap(): void {
    const now = this.#clock.now().getTime();
    for (const session of this.#sessions.values()) {
      if (session.busy > 0 || now - session.lastActive < this.#idleMs) continue;
      this.#logger.info({ sessionId: session.id, idleSeconds: Math.round((now - session.lastActive) / 1000) }, 'closing idle session');
      void this.#close(session);
    }
  }

  async #close(session: HttpSession): Promise<void> {
    this.remove(session.id);
    try {
      await session.mcp.close();
    } catch (error) {
      this.#logger.warn({ sessionId: session.id, err: error instanceof Error ? error.message : String(error) }, 'error closing session');
    }
  }
}
