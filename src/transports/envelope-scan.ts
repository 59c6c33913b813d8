/**
 * Reads the envelope of a JSON-RPC message too large to parse: its top-level `id` and `method`
 * and which top-level keys it has, scanning bytes as they arrive and keeping none of the body.
 * Structural JSON characters are ASCII and never occur inside a UTF-8 multi-byte sequence, so
 * scanning bytes is exact.
 */

export interface Envelope {
  id?: string | number;
  method?: string;
  /** Top-level keys seen, e.g. "result" for a response. */
  keys: ReadonlySet<string>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** An id or method longer than this is not one we could answer to anyway. */
const CAPTURE_MAX = 256;
const CAPTURED_KEYS = new Set(['id', 'method']);

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

export class EnvelopeScanner {
  #depth = 0;
  #topIsObject = false;
  #inString = false;
  #escaped = false;
  #expectKey = false;
  #awaitingValue = false;
  #key = '';
  /** Bytes of the key or captured value being read; undefined when nothing is captured. */
  #capture: number[] | undefined;
  #capturingKey = false;
  #scalar = false;
  readonly #keys = new Set<string>();
  readonly #values = new Map<string, string>();

  push(chunk: Buffer, start = 0, end = chunk.length): void {
    for (let i = start; i < end; i += 1) this.#byte(chunk[i] as number);
  }

  result(): Envelope {
    if (this.#scalar) this.#endCapture();
    const envelope: Envelope = { keys: this.#keys };
    const id = parsed(this.#values.get('id'));
    if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) envelope.id = id;
    const method = parsed(this.#values.get('method'));
    if (typeof method === 'string') envelope.method = method;
    return envelope;
  }

  #byte(byte: number): void {
    if (this.#inString) return this.#stringByte(byte);
    if (this.#scalar) {
      if (byte !== COMMA && byte !== CLOSE_OBJECT && byte !== CLOSE_ARRAY && !isSpace(byte)) return this.#record(byte);
      this.#endCapture();
    }
    switch (byte) {
      case QUOTE:
        this.#inString = true;
        if (this.#depth === 1 && this.#expectKey) this.#startCapture(true, byte);
        else if (this.#valueWanted()) this.#startCapture(false, byte);
        this.#awaitingValue = false;
        return;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (this.#depth === 0) {
          this.#topIsObject = byte === OPEN_OBJECT;
          this.#expectKey = this.#topIsObject;
        }
        this.#depth += 1;
        this.#awaitingValue = false;
        return;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        this.#depth -= 1;
        return;
      case COMMA:
        if (this.#depth === 1 && this.#topIsObject) this.#expectKey = true;
        return;
      case COLON:
        if (this.#depth === 1) this.#awaitingValue = true;
        return;
      default:
        if (isSpace(byte)) return;
        if (this.#valueWanted()) {
          this.#startCapture(false, byte);
          this.#scalar = true;
        }
        this.#awaitingValue = false;
    }
  }

  #stringByte(byte: number): void {
    if (this.#capture) this.#record(byte);
    if (this.#escaped) {
      this.#escaped = false;
    } else if (byte === BACKSLASH) {
      this.#escaped = true;
    } else if (byte === QUOTE) {
      this.#inString = false;
      if (this.#capture) this.#endCapture();
    }
  }

  #valueWanted(): boolean {
    return this.#depth === 1 && this.#awaitingValue && CAPTURED_KEYS.has(this.#key);
  }

  #startCapture(key: boolean, first: number): void {
    this.#capture = [first];
    this.#capturingKey = key;
  }

  #record(byte: number): void {
    // One byte past the bound is enough to know the capture is dropped when it ends.
    if (this.#capture && this.#capture.length <= CAPTURE_MAX) this.#capture.push(byte);
  }

  #endCapture(): void {
    const bytes = this.#capture ?? [];
    const text = bytes.length > CAPTURE_MAX ? undefined : Buffer.from(bytes).toString('utf8');
    if (this.#capturingKey) {
      const key = parsed(text);
      this.#key = typeof key === 'string' ? key : '';
      if (this.#key !== '') this.#keys.add(this.#key);
      this.#expectKey = false;
    } else if (text !== undefined) {
      this.#values.set(this.#key, text);
    }
    this.#capture = undefined;
    this.#capturingKey = false;
    this.#scalar = false;
  }
}

function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
