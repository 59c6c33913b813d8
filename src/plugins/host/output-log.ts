import type { Readable } from 'node:stream';

const MAX_LINE = 8_192;

/**
 * Hands each line a stream carries to `onLine` (a plugin's console.log, a child it started with
 * inherited stdio), so it lands in the server's log and never among protocol messages. Very long
 * lines are cut; an unfinished last line is handed over when the stream ends.
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) {
      emit(pending);
      pending = '';
    }
  });
  stream.on('end', () => {
    if (pending !== '') emit(pending);
    pending = '';
  });
  function emit(line: string): void {
    const text = line.replace(/\r$/, '');
    if (text.trim() !== '') onLine(text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}… (cut)` : text);
  }
}

/** The last few kilobytes written to a stream: how a host's crash is explained (e.g. V8's out-of-memory report). */
export class Tail {
  #text = '';
  readonly #limit: number;

  constructor(limit = 4_096) {
    this.#limit = limit;
  }

  add(line: string): void {
    this.#text = `${this.#text}${line}\n`.slice(-this.#limit);
  }

  get text(): string {
    return this.#text;
  }
}
