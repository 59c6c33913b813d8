/**
 * Cutting texts and values down to a size for results that must stay small. Sizes count what a
 * client receives: characters, and characters of JSON, where a control character costs six.
 */

/** What a cut object is replaced by; the whole value is in the task resource. */
export interface CutValue {
  truncated: true;
  /** The first characters of the value's JSON text. */
  preview: string;
  /** Size of the value's JSON text in UTF-8 bytes. */
  bytes: number;
}

/**
 * `text` cut to at most `max` characters, and to at most `2 × max` characters once written as a
 * JSON string (output full of control characters is cut sooner). `marker(length)` is appended when
 * anything was cut.
 */
export function clipText(text: string, max: number, marker: (length: number) => string = () => '…'): string {
  if (text.length <= max && jsonLength(text) <= 2 * max) return text;
  return clipPrefix(text, max) + marker(text.length);
}

/**
 * `text` cut in the middle to at most about `max` characters, keeping its last `tail` characters:
 * for a line whose end matters (a plan line ends with its tier and its dependencies).
 */
export function clipMiddle(text: string, max: number, tail: number): string {
  if (text.length <= max && jsonLength(text) <= 2 * max) return text;
  const end = [...text.slice(-tail - 1)].slice(-tail).join('');
  return `${clipPrefix(text, Math.max(0, max - tail - 3))} … ${clipText(end, tail, () => '')}`;
}

/** The longest prefix of at most `max` characters whose JSON is at most `2 × max`, never half a surrogate pair. */
function clipPrefix(text: string, max: number): string {
  let low = 0;
  let high = Math.min(text.length, max);
  if (jsonLength(text.slice(0, high)) > 2 * max) {
    // Binary search on the prefix length: JSON length grows with it.
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (jsonLength(text.slice(0, mid)) <= 2 * max) low = mid;
      else high = mid - 1;
    }
    high = low;
  }
  const code = text.charCodeAt(high - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? high - 1 : high);
}

/**
 * `value` itself when its JSON is at most `max` characters; otherwise a {@link CutValue} whose
 * preview holds the first `max / 2` characters of that JSON.
 */
export function clipValue(value: unknown, max: number): unknown {
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined || json.length <= max) return value;
  const cut: CutValue = { truncated: true, preview: clipPrefix(json, Math.floor(max / 2)), bytes: Buffer.byteLength(json, 'utf8') };
  return cut;
}

/** `clipValue` for an object that must stay an object (a step's input). */
export function clipRecord(value: Record<string, unknown>, max: number): Record<string, unknown> {
  return clipValue(value, max) as Record<string, unknown>;
}

/** Characters of `value` written as JSON (quotes and escapes included). */
export function jsonLength(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/**
 * UTF-8 bytes of `value` written as JSON, counted without recursion (a value nested 100,000 deep
 * is still data to measure); stops counting once past `stopAbove`.
 */
export function jsonBytes(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && bytes <= stopAbove) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object') {
      bytes += scalarBytes(item);
    } else if (Array.isArray(item)) {
      bytes += 2 + Math.max(0, item.length - 1);
      for (const element of item) pending.push(element === undefined || typeof element === 'function' ? null : element);
    } else {
      const entries = Object.entries(item).filter(([, v]) => v !== undefined && typeof v !== 'function');
      bytes += 2 + Math.max(0, entries.length - 1);
      for (const [key, v] of entries) {
        bytes += scalarBytes(key) + 1;
        pending.push(v);
      }
    }
  }
  return bytes;
}

function scalarBytes(value: unknown): number {
  const json = JSON.stringify(value);
  return json === undefined ? 4 : Buffer.byteLength(json, 'utf8');
}
