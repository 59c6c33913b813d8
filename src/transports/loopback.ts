/** Host names that always mean this machine. IPv6 appears bracketed in URLs and Host headers. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

/**
 * Whether binding to `host` keeps the server off the network: `localhost`, any 127.x address, or
 * ::1. Kept free of imports so config validation does not load the HTTP stack.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The host as it appears in a URL or Host header (IPv6 bracketed). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
