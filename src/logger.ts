import pino, { type Logger } from 'pino';

/** pino writing to stderr only: stdout belongs to the protocol. */
export function createLogger(level: string): Logger {
  return pino(
    {
      name: 'orchestrate-mcp',
      level,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
