import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LOOPBACK_NAMES, urlHost } from './loopback.js';

export interface GuardOptions {
  /** The bind host (`--host`); a wildcard (0.0.0.0, ::) adds no name of its own. */
  host: string;
  /** The port actually bound (known after listen, so `--port 0` works). */
  port: () => number;
  token?: string;
  /** Extra Origin values, e.g. "https://app.example.com". */
  allowedOrigins: readonly string[];
  /** Extra Host values: "name" (any port) or "name:port". */
  allowedHosts: readonly string[];
}

export interface Rejection {
  status: 400 | 401 | 403;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Headers that must appear at most once. Node keeps only the first Host or Authorization and joins
 * repeated others, so a second value would slip past the checks below or pick the wrong session.
 */
const SINGLE_HEADERS = new Set(['host', 'authorization', 'origin', 'mcp-session-id']);

/**
 * Checks every HTTP request before any MCP code sees it: repeated headers that must be single
 * (400, as HTTP requires for Host), the Host header against DNS rebinding,
 * a present Origin against the allowed ones (a browser page elsewhere must not drive the server),
 * then the bearer token. Returns why a request is refused, or undefined.
 */
export function createGuard(options: GuardOptions): (req: IncomingMessage) => Rejection | undefined {
  const wildcard = ['0.0.0.0', '::', '[::]', ''].includes(options.host);
  const ownNames = [...LOOPBACK_NAMES, ...(wildcard ? [] : [urlHost(options.host).toLowerCase()])];
  const extraOrigins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  const extraHosts = options.allowedHosts.map((h) => h.toLowerCase());
  const expected = options.token === undefined ? undefined : digest(options.token);

  const hostAllowed = (header: string | undefined): boolean => {
    const parsed = header === undefined ? undefined : splitHost(header.toLowerCase());
    if (!parsed) return false;
    const port = options.port();
    const onOurPort = parsed.port === port || (parsed.port === undefined && port === 80);
    if (ownNames.includes(parsed.name) && onOurPort) return true;
    return extraHosts.some((entry) => entry === parsed.name || entry === `${parsed.name}:${parsed.port ?? 80}`);
  };
  const originAllowed = (origin: string): boolean => {
    const lower = origin.toLowerCase();
    if (extraOrigins.has(lower)) return true;
    return ownNames.some((name) => lower === `http://${name}:${options.port()}`);
  };

  return (req) => {
    const repeated = repeatedHeader(req.rawHeaders);
    if (repeated !== undefined) return { status: 400, message: `Bad Request: more than one ${repeated} header` };
    if (!hostAllowed(req.headers.host)) {
      return { status: 403, message: `Forbidden: Host header "${req.headers.host ?? ''}" is not allowed (DNS rebinding protection)` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) {
      return { status: 403, message: `Forbidden: Origin "${origin}" is not allowed` };
    }
    if (expected && !tokenMatches(req.headers.authorization, expected)) {
      return {
        status: 401,
        message: 'Unauthorized: send "Authorization: Bearer <token>" with the server token',
        headers: { 'WWW-Authenticate': 'Bearer realm="orchestrate-mcp"' },
      };
    }
    return undefined;
  };
}

/** The first header of SINGLE_HEADERS that `rawHeaders` (name, value, name, value, …) holds twice. */
function repeatedHeader(rawHeaders: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return rawHeaders[i];
    seen.add(name);
  }
  return undefined;
}

function splitHost(header: string): { name: string; port?: number } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!match?.[1]) return undefined;
  return match[2] === undefined ? { name: match[1] } : { name: match[1], port: Number(match[2]) };
}

/** Hashing first makes the comparison constant-time in the token's length too. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!match?.[1] && timingSafeEqual(digest(match[1]), expected);
}
