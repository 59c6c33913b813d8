import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How the request proved who sent it: no token configured (open), the bearer token, or a session cookie. */
export type Credential = 'open' | 'bearer' | 'cookie';

/** Sessions kept at most; signing in past this forgets the oldest. */
const MAX_SESSIONS = 256;

/**
 * Sign-in for browsers, which cannot send `Authorization`: a one-time login code (logged at start)
 * or the server token, given once in the URL, buys an HttpOnly, SameSite=Strict cookie holding a
 * random session secret. Sessions live in memory, so a restart signs everyone out.
 */
export class WebAuth {
  readonly #token: Buffer | undefined;
  readonly #port: () => number;
  /** Digests of live session secrets, oldest first. */
  readonly #sessions = new Set<string>();
  #code: Buffer | undefined;
  #codeText: string | undefined;

  constructor(options: { token?: string; port: () => number }) {
    this.#token = options.token === undefined ? undefined : digest(options.token);
    this.#port = options.port;
    if (this.#token) this.#newCode();
  }

  /** True when a token is configured, so every request must prove itself. */
  get required(): boolean {
    return this.#token !== undefined;
  }

  /** The unspent one-time login code (none without a token). */
  get loginCode(): string | undefined {
    return this.#codeText;
  }

  /** Cookies are per host, not per port: servers on several ports of one machine must not share one. */
  get cookieName(): string {
    return `orchestrate_session_${this.#port()}`;
  }

  /** Spends the one-time code: a Set-Cookie value for a new session, or undefined. A fresh code replaces a spent one. */
  redeemCode(code: string): string | undefined {
    if (!this.#code || !same(digest(code), this.#code)) return undefined;
    this.#newCode();
    return this.#startSession();
  }

  redeemToken(token: string): string | undefined {
    if (!this.#token || !same(digest(token), this.#token)) return undefined;
    return this.#startSession();
  }

  /** How the request is authenticated, or undefined when it is not. */
  credential(req: IncomingMessage): Credential | undefined {
    if (!this.#token) return 'open';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && same(digest(bearer), this.#token)) return 'bearer';
    const secret = readCookie(req.headers.cookie, this.cookieName);
    if (secret !== undefined && this.#sessions.has(digest(secret).toString('hex'))) return 'cookie';
    return undefined;
  }

  #newCode(): void {
    this.#codeText = randomBytes(18).toString('base64url');
    this.#code = digest(this.#codeText);
  }

  #startSession(): string {
    const secret = randomBytes(32).toString('base64url');
    this.#sessions.add(digest(secret).toString('hex'));
    if (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.values().next().value as string);
    return `${this.cookieName}=${secret}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Hashing first makes comparisons constant-time in the secret's length too. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}
