/**
 * The caller's side of the runner socket: connect, send a preamble, read the reply. Used by the
 * bridge, by `runner status` / `runner stop` and by a starting runner that looks for another one.
 * Node built-ins only.
 */
import { connect, type Socket } from 'node:net';
import { encodeLine, parseLine, readFirstLine, type Preamble, type Reply } from './protocol.js';

export type Opened = { socket: Socket; reply: Reply } | { socket?: undefined; unreachable: string };

/**
 * Opens a connection with `preamble`. `unreachable` when nothing listens (no socket file, or a
 * stale one) or the runner does not answer within `timeoutMs`.
 */
export function openRunner(socketPath: string, preamble: Preamble, timeoutMs = 10_000): Promise<Opened> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const fail = (error: Error): void => {
      socket.destroy();
      resolve({ unreachable: error.message });
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      // A runner that vanishes later is seen through 'close'; without a listener an error would throw.
      socket.on('error', () => {});
      socket.write(encodeLine(preamble));
      readFirstLine(socket, timeoutMs).then(
        (line) => {
          const reply = parseLine<Reply>(line);
          if (reply && typeof reply.ok === 'boolean') resolve({ socket, reply });
          else fail(new Error('the runner answered something that is not a preamble reply'));
        },
        (error: Error) => fail(error),
      );
    });
  });
}

/** Sends a status or stop request and returns the reply; undefined when no runner answers. */
export async function askRunner(socketPath: string, request: 'status' | 'stop'): Promise<Reply | undefined> {
  const opened = await openRunner(socketPath, { orchestrate: request });
  if (!opened.socket) return undefined;
  opened.socket.destroy();
  return opened.reply;
}
