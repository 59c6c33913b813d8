import * as crypto from 'node:crypto';

/** `crypto.hash` (Node 20.12 on) hashes in one call; earlier Node 20 releases lack it and build a Hash. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** SHA-256 of `text` (UTF-8), in hex. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
