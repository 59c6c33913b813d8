import pino, { type DestinationStream, type Logger } from 'pino';
import type { Masker } from './secrets.js';

/** pino writing to stderr only (stdout belongs to the protocol), with secret values masked. */
export function createLogger(level: string, masker?: Masker): Logger {
  const stderr = pino.destination({ fd: 2, sync: true });
  const destination: DestinationStream = masker && !masker.empty ? { write: (line: string) => stderr.write(masker.mask(line)) } : stderr;
  return pino(
    {
      name: 'orchestrate-mcp',
      level,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
