/**
 * The runner socket's private preamble: every connection opens with one JSON line from the caller
 * (a bridge, or a status / stop request) and one JSON line back. After an accepted bridge preamble
 * the connection carries the client's MCP bytes unchanged, both ways. Node built-ins only.
 */
import type { Socket } from 'node:net';

/** What a runner serves: a bridge is accepted when its identity has the same fingerprint. */
export interface Identity {
  fingerprint: string;
  version: string;
  configFile: string | undefined;
  pluginDirs: string[];
}

export type Preamble = ({ orchestrate: 'bridge' } & Identity) | { orchestrate: 'status' } | { orchestrate: 'stop' };

export type Reply =
  | ({ ok: true } & Record<string, unknown>)
  | { ok: false; code: string; message: string; hint?: string }
  /** The runner is shutting down: connect again (a new runner will be started). */
  | { ok: false; closing: true };

/** A preamble longer than this is not one of ours. */
const MAX_PREAMBLE_BYTES = 16 * 1024;

export function encodeLine(value: Preamble | Reply): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Reads the first line of a socket. Whatever arrived after it is pushed back to be read again
 * (the MCP stream), and the socket is left paused.
 */
export function readFirstLine(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (error) reject(error);
      else resolve(line as string);
    };
    const onData = (chunk: Buffer): void => {
      const newline = chunk.indexOf(0x0a);
      if (newline === -1) {
        chunks.push(chunk);
        size += chunk.length;
        if (size > MAX_PREAMBLE_BYTES) finish(new Error('the first line is too long to be a preamble'));
        return;
      }
      chunks.push(chunk.subarray(0, newline));
      const rest = chunk.subarray(newline + 1);
      // Paused first: an unshift into a flowing stream would emit the rest to this listener again.
      finish(undefined, Buffer.concat(chunks).toString('utf8'));
      if (rest.length > 0) socket.unshift(rest);
    };
    const onEnd = (): void => finish(new Error('the connection closed before its first line'));
    const timer = setTimeout(() => finish(new Error(`no first line within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    socket.once('close', onEnd);
  });
}

/** Parses a line as JSON, or undefined. */
export function parseLine<T>(line: string): T | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
