import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './respond.js';
import type { Operator } from './operator.js';

/** A comment line this often keeps proxies and the browser from dropping an idle stream. */
const KEEPALIVE_MS = 20_000;
/** Changes within this window go out as one event per task (a running task changes often). */
const COALESCE_MS = 50;

/**
 * The open `/api/events` streams: each gets `event: task` with `{ taskId }` whenever that task
 * changes; the page then refetches what it shows.
 */
export class EventStreams {
  readonly #operator: Operator;
  readonly #open = new Set<() => void>();
  readonly max: number;

  constructor(operator: Operator, max: number) {
    this.#operator = operator;
    this.max = max;
  }

  get size(): number {
    return this.#open.size;
  }

  open(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    const pending = new Set<string>();
    let flush: NodeJS.Timeout | undefined;
    const send = (): void => {
      flush = undefined;
      for (const taskId of pending) res.write(`event: task\ndata: ${JSON.stringify({ taskId })}\n\n`);
      pending.clear();
    };
    const unsubscribe = this.#operator.onChange((taskId) => {
      pending.add(taskId);
      flush ??= setTimeout(send, COALESCE_MS);
    });
    const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const close = (): void => {
      if (!this.#open.delete(close)) return;
      unsubscribe();
      clearInterval(keepalive);
      clearTimeout(flush);
      res.end();
    };
    this.#open.add(close);
    res.on('close', close);
  }

  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}
