import { fromWire, toWire, type Message } from './protocol.js';

type Pending = { resolve(value: unknown): void; reject(error: Error): void };

/**
 * One end of the channel: numbers the requests it sends, settles them with the replies that come
 * back, and answers the other side's requests. The same on both sides.
 */
export class Peer {
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #send: (message: Message) => void;

  constructor(send: (message: Message) => void) {
    this.#send = send;
  }

  /** Sends a request; `id` names it in later notes (abort, cancel). Rejects when it cannot be sent. */
  request(kind: string, body: unknown): { id: number; reply: Promise<unknown> } {
    const id = this.#next++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    try {
      this.#send({ t: 'req', id, kind, body });
    } catch (error) {
      this.#pending.get(id)?.reject(error instanceof Error ? error : new Error(String(error)));
      this.#pending.delete(id);
    }
    return { id, reply };
  }

  /** Sends a note; false when it could not be sent (it does not serialise, or the channel is gone). */
  note(kind: string, body: unknown): boolean {
    try {
      this.#send({ t: 'note', kind, body });
      return true;
    } catch {
      return false;
    }
  }

  /** Answers a request of the other side with what `work` settles to. */
  async answer(id: number, work: () => Promise<unknown>): Promise<void> {
    let reply: Message;
    try {
      reply = { t: 'res', id, ok: true, value: await work() };
    } catch (error) {
      reply = { t: 'res', id, ok: false, error: toWire(error) };
    }
    try {
      this.#send(reply);
    } catch (error) {
      // The value itself could not be sent (it does not serialise): say so instead.
      try {
        this.#send({ t: 'res', id, ok: false, error: toWire(error) });
      } catch {
        // The channel is gone.
      }
    }
  }

  /** Settles the request a reply answers; false when it answers none (a late or stray reply). */
  settle(message: Extract<Message, { t: 'res' }>): boolean {
    const pending = this.#pending.get(message.id);
    if (!pending) return false;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(fromWire(message.error));
    return true;
  }

  /** Rejects the request `id` without a reply (its host is gone, or it was given up). */
  fail(id: number, error: Error): void {
    this.#pending.get(id)?.reject(error);
    this.#pending.delete(id);
  }

  /** Rejects every request still waiting, each with the error `errorFor` gives it. */
  failAll(errorFor: (id: number) => Error): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, errorFor(id));
  }
}
