/**
 * The plugin host process: started by the server with an IPC channel, it loads one plugin file and
 * serves it. Its stdout and stderr go to the server's log. A throw nobody catches ends it (Node's
 * own rule: the process state is unknown after one), after telling the server what was thrown.
 */
import { errorMessage } from '../../errors.js';
import { HostedPlugin } from './hosted-plugin.js';
import { Peer } from './peer.js';
import { isMessage, type CheckRequest, type LoadRequest, type Message, type RunRequest } from './protocol.js';
import { PRELOAD_TSX } from './spawn.js';

// Started ahead of time for a TypeScript plugin: tsx loads while the server still starts (the
// hooks it brings are registered only when the plugin is loaded).
if (process.argv.includes(PRELOAD_TSX)) import('tsx/esm/api').catch(() => {});

const channel = process as NodeJS.Process & Required<Pick<NodeJS.Process, 'send'>>;

const peer = new Peer((message: Message) => {
  // The callback keeps a closed channel from becoming an 'error' event; JSON errors still throw here.
  channel.send(message, undefined, undefined, () => {});
});
const hosted = new HostedPlugin(peer);

process.on('message', (message: unknown) => {
  if (!isMessage(message)) return;
  if (message.t === 'res') {
    peer.settle(message);
    return;
  }
  const body = message.body as Record<string, unknown>;
  if (message.t === 'note') {
    if (message.kind === 'abort') hosted.abort(Number(body.run), String(body.reason ?? 'The step was stopped.'));
    return;
  }
  void peer.answer(message.id, () => serve(message.id, message.kind, body));
});

function serve(id: number, kind: string, body: unknown): Promise<unknown> {
  switch (kind) {
    case 'load':
      return hosted.load(body as LoadRequest);
    case 'check':
      return Promise.resolve(hosted.check(body as CheckRequest));
    case 'run':
      return hosted.run(id, body as RunRequest);
    default:
      return Promise.reject(new Error(`unknown request "${kind}"`));
  }
}

// The server is gone (or closed the channel): nothing is left to serve.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => fatal(`uncaught exception: ${describe(error)}`));
process.on('unhandledRejection', (reason) => fatal(`unhandled rejection: ${describe(reason)}`));

let dying = false;
function fatal(message: string): void {
  if (dying) return;
  dying = true;
  process.exitCode = 1;
  const exit = (): never => process.exit(1);
  setTimeout(exit, 500).unref();
  try {
    channel.send({ t: 'note', kind: 'fatal', body: { message } }, undefined, undefined, exit);
  } catch {
    exit();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return errorMessage(error);
}
