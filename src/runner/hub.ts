import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { createServer } from '../server.js';
import { StdioTransport } from '../transports/stdio.js';
import { DrainingTransport } from './draining-transport.js';
import type { RunnerEngine } from './engine-port.js';
import { encodeLine, parseLine, readFirstLine, type Preamble, type Reply } from './protocol.js';

/** How long a session whose bridge stopped sending gets to answer what it already received. */
const DRAIN_MS = 2_000;

export interface HubDeps {
  runner: RunnerEngine;
  logger: Logger;
  samplingTimeoutMs: number;
  /** The bridge preamble this runner accepts, and how to say what differs in one that it does not. */
  accepts(hello: Extract<Preamble, { orchestrate: 'bridge' }>): Reply;
  status(): Record<string, unknown>;
  stop(why: string): void;
}

/**
 * The runner's connections: each starts with a preamble; an accepted bridge becomes an MCP session
 * (our stdio transport over the socket and a fresh server over the one engine), as if the client
 * had spawned an inline server.
 */
export class ConnectionHub {
  readonly #deps: HubDeps;
  readonly #sessions = new Set<{ socket: Socket; close(): Promise<void> }>();
  #closing = false;

  constructor(deps: HubDeps) {
    this.#deps = deps;
  }

  /** Client sessions connected now. */
  get clients(): number {
    return this.#sessions.size;
  }

  accept(socket: Socket): void {
    socket.on('error', (error) => this.#deps.logger.debug({ err: errorMessage(error) }, 'runner connection error'));
    readFirstLine(socket, 10_000).then(
      (line) => this.#dispatch(socket, parseLine<Preamble>(line)),
      () => socket.destroy(),
    );
  }

  /** Refuses new sessions and closes every open one. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#sessions].map((session) => session.close()));
  }

  #dispatch(socket: Socket, preamble: Preamble | undefined): void {
    const reply = (value: Reply): void => void socket.end(encodeLine(value));
    switch (preamble?.orchestrate) {
      case 'status':
        return reply({ ok: true, ...this.#deps.status(), closing: this.#closing });
      case 'stop':
        reply({ ok: true, pid: process.pid });
        return this.#deps.stop('runner stop');
      case 'bridge': {
        if (this.#closing) return reply({ ok: false, closing: true });
        const verdict = this.#deps.accepts(preamble);
        if (!verdict.ok) return reply(verdict);
        socket.write(encodeLine(verdict));
        return void this.#openSession(socket);
      }
      default:
        return reply({ ok: false, code: 'INVALID_ARGUMENT', message: 'This socket is private to orchestrate-mcp bridges.' });
    }
  }

  async #openSession(socket: Socket): Promise<void> {
    const { logger, runner, samplingTimeoutMs } = this.#deps;
    const transport = new DrainingTransport(new StdioTransport(socket, socket, { logger }));
    const { mcp } = createServer({ engine: runner.engine, approval: runner.approval, logger, samplingTimeoutMs });
    let closed: Promise<void> | undefined;
    const session = {
      socket,
      close: () =>
        (closed ??= (async () => {
          this.#sessions.delete(session);
          await mcp.close().catch(() => {});
          socket.destroy();
          logger.info({ clients: this.#sessions.size }, 'client disconnected');
        })()),
    };
    this.#sessions.add(session);
    socket.once('close', () => void session.close());
    // The bridge half-closes when its client's stdin ends: answer what came before, then close.
    socket.once('end', () => void transport.drained(DRAIN_MS).then(session.close));
    await mcp.connect(transport);
    // The preamble reader left the socket paused; a paused stream does not resume for a new 'data' listener.
    socket.resume();
    logger.info({ clients: this.#sessions.size }, 'client connected');
  }
}
