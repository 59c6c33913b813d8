/**
 * Secret masking: the values of the server's secret-looking environment variables, its bearer
 * token and the configured `secrets` never appear in anything stored, logged, shown or sent to the
 * client's LLM; they read `***` instead, the way CI systems mask secrets in build logs.
 */

/** Environment variable names whose values count as secret. */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL/i;

/** Values too short or too common to mask without garbling ordinary text. */
const MIN_LENGTH = 4;
const NOT_SECRET = new Set(['true', 'false', 'null', 'none', 'undefined', 'yes']);

export const MASK = '***';

/** Replaces secret values in text and in any JSON-like value. */
export interface Masker {
  /** True when there is nothing to mask. */
  readonly empty: boolean;
  mask(text: string): string;
  /** A copy of `value` with every string masked (object keys included); non-JSON values pass through. */
  maskDeep<T>(value: T): T;
}

/** The secret values of an environment: every variable whose name looks like it holds one. */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined)
    .map(([, value]) => value as string);
}

export function createMasker(values: readonly string[]): Masker {
  const secrets = [...new Set(values.map((v) => v.trim()).filter((v) => v.length >= MIN_LENGTH && !NOT_SECRET.has(v.toLowerCase())))];
  // Longest first, so a secret that contains another is masked whole.
  secrets.sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return IDENTITY;
  const pattern = new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  const mask = (text: string): string => (text.length < MIN_LENGTH ? text : text.replace(pattern, MASK));
  const maskDeep = <T>(value: T): T => deep(value, mask) as T;
  return { empty: false, mask, maskDeep };
}

const IDENTITY: Masker = { empty: true, mask: (text) => text, maskDeep: (value) => value };

function deep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => deep(item, mask));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [mask(key), deep(item, mask)]));
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
