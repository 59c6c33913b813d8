import { askRunner } from '../runner/control.js';
import { readLock, holderAlive } from '../runner/lock.js';
import type { CliCommand, CliIo } from './command.js';
import { usageError } from './command.js';
import { runnerTarget, TARGET_OPTIONS, type RunnerTarget } from './runner-locate.js';

/** `orchestrate-mcp runner status`: the background runner of a database, or that there is none. */
export const runnerStatusCommand: CliCommand = {
  name: 'runner status',
  summary: 'show the background runner of a database: pid, socket, log, uptime, clients, unfinished tasks',
  help: `Usage: orchestrate-mcp runner status [--db PATH] [--json]

Shows the background runner that serves a database's stdio clients, or "no runner".

${TARGET_OPTIONS}

Example:
  orchestrate-mcp runner status --db ./state.db`,
  async run(args, io) {
    const target = runnerTarget(args, io);
    if (typeof target === 'string') return usageError(io, 'runner status', target);
    const reply = await askRunner(target.paths.socket, 'status');
    if (reply?.ok) return printRunning(reply, target, io);
    const holder = readLock(target.paths.lock);
    const stuck = holder !== undefined && holder.pid > 0 && holderAlive(holder) ? holder.pid : undefined;
    if (target.json) {
      io.stdout(
        `${JSON.stringify({ running: false, db: target.paths.db, socket: target.paths.socket, ...(stuck ? { unresponsivePid: stuck } : {}) })}\n`,
      );
    } else if (stuck) {
      io.stdout(`runner pid ${stuck} holds ${target.paths.lock} but does not answer on ${target.paths.socket} (starting, or stuck)\n`);
    } else {
      io.stdout(`no runner for ${target.paths.db}\n`);
    }
    return 0;
  },
};

function printRunning(status: Record<string, unknown>, target: RunnerTarget, io: CliIo): number {
  const { ok: _ok, ...fields } = status;
  if (target.json) {
    io.stdout(`${JSON.stringify({ running: true, ...fields })}\n`);
    return 0;
  }
  const unfinished = Array.isArray(fields.unfinishedTasks) ? (fields.unfinishedTasks as string[]) : [];
  const rows: Array<[string, string]> = [
    ['pid', String(fields.pid)],
    ['database', String(fields.db)],
    ['socket', String(fields.socket)],
    ['log', String(fields.log)],
    ['uptime', duration(Number(fields.uptimeSeconds))],
    ['clients', String(fields.clients)],
    ['unfinished', unfinished.length === 0 ? 'none' : `${unfinished.length} (${unfinished.join(', ')})`],
    ['idle exit', `after ${String(fields.idleSeconds)} s with no client and no unfinished task`],
    ['version', String(fields.version)],
  ];
  if (fields.closing === true) rows.push(['state', 'shutting down']);
  io.stdout(`runner running\n${rows.map(([label, value]) => `  ${label.padEnd(11)}${value}`).join('\n')}\n`);
  return 0;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}
