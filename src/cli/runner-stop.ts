import { setTimeout as sleep } from 'node:timers/promises';
import { askRunner } from '../runner/control.js';
import { holderAlive, pidAlive, readLock } from '../runner/lock.js';
import type { CliCommand, CliIo } from './command.js';
import { usageError } from './command.js';
import { runnerTarget, TARGET_OPTIONS } from './runner-locate.js';

/** How long `runner stop` waits for the runner's ordered exit (its own hard stop is 8 s). */
const WAIT_MS = 15_000;

/** `orchestrate-mcp runner stop`: asks the runner to shut down in order and waits until it has. */
export const runnerStopCommand: CliCommand = {
  name: 'runner stop',
  summary: 'stop the background runner of a database (it shuts down in order; the next client starts a new one)',
  help: `Usage: orchestrate-mcp runner stop [--db PATH] [--json]

Stops the background runner of a database in order: its client sessions close, then the engine and
the database. Tasks still running are interrupted the way a server shutdown interrupts them.
The next stdio client of the database starts a new runner.

${TARGET_OPTIONS}

Example:
  orchestrate-mcp runner stop --db ./state.db`,
  async run(args, io) {
    const target = runnerTarget(args, io);
    if (typeof target === 'string') return usageError(io, 'runner stop', target);
    const { paths, json } = target;
    const reply = await askRunner(paths.socket, 'stop');
    if (!reply?.ok) {
      const holder = readLock(paths.lock);
      if (holder && holder.pid > 0 && holderAlive(holder)) {
        return report(
          io,
          json,
          1,
          { stopped: false, pid: holder.pid, db: paths.db },
          `runner pid ${holder.pid} does not answer on ${paths.socket}; end it with: kill ${holder.pid}`,
        );
      }
      return report(io, json, 0, { stopped: false, db: paths.db, reason: 'no runner' }, `no runner for ${paths.db}`);
    }
    const pid = Number(reply.pid);
    const deadline = Date.now() + WAIT_MS;
    while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
    if (pidAlive(pid)) {
      return report(
        io,
        json,
        1,
        { stopped: false, pid, db: paths.db },
        `runner pid ${pid} is still shutting down after ${WAIT_MS / 1000} s; see ${paths.log}`,
      );
    }
    return report(io, json, 0, { stopped: true, pid, db: paths.db }, `stopped the runner of ${paths.db} (pid ${pid})`);
  },
};

function report(io: CliIo, json: boolean, code: number, fields: Record<string, unknown>, text: string): number {
  if (json) io.stdout(`${JSON.stringify(fields)}\n`);
  else if (code === 0) io.stdout(`${text}\n`);
  else io.stderr(`orchestrate-mcp runner stop: ${text}\n`);
  return code;
}
