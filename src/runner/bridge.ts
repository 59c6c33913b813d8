/**
 * The thin stdio bridge: the client's bytes go to the runner and the runner's come back, unchanged.
 * The client's end (stdin EOF, a signal, a kill) ends only this process; the runner's work goes on.
 * Node built-ins only.
 */
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

/** How long the runner gets to answer what the client sent before its stdin closed. */
const FLUSH_MS = 3_000;

export interface BridgeIo {
  stdin: Readable;
  stdout: Writable;
  stderr(text: string): void;
}

/**
 * Pipes until either side ends. Resolves to the exit code: 0 when the client ended the session,
 * 1 when the runner went away under it.
 */
export function pipeBridge(socket: Socket, io: BridgeIo): Promise<number> {
  return new Promise((resolve) => {
    let clientDone = false;
    let settled = false;
    const settle = (code: number): void => {
      if (settled) return;
      settled = true;
      io.stdin.unpipe(socket);
      socket.unpipe(io.stdout);
      socket.destroy();
      resolve(code);
    };
    io.stdin.once('end', () => {
      clientDone = true;
      // stdin's pipe half-closes the socket; the runner answers what it got, then closes.
      setTimeout(() => settle(0), FLUSH_MS).unref();
    });
    io.stdin.once('error', () => settle(0));
    io.stdout.once('error', () => settle(0));
    socket.once('close', () => {
      if (!clientDone) io.stderr('orchestrate-mcp: the background runner closed the connection; tasks it runs are unaffected.\n');
      io.stdout.once('drain', () => settle(clientDone ? 0 : 1));
      if (!io.stdout.writableNeedDrain) settle(clientDone ? 0 : 1);
    });
    socket.pipe(io.stdout, { end: false });
    io.stdin.pipe(socket);
    socket.resume();
  });
}
