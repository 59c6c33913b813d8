import { isTerminalPhase } from '../engine/model.js';
import { DB_OPTIONS, databaseFor, failure, parseCommandArgs, printJson } from './args.js';
import type { CliCommand } from './command.js';
import { usageError } from './command.js';
import { SHORT_ID_LENGTH } from './database.js';
import { openForDecisions } from './decision-door.js';

const HELP = `Usage: orchestrate-mcp cancel <taskId> [--reason TEXT] [--db PATH] [--json]

Cancels a task, as a person (audit actor "human", via the command line): its unfinished steps
become cancelled, and the server running it stops the steps in flight (and their processes)
within a second. A plan awaiting approval is cancelled without running. A task that has already
ended is left as it is (exit 0, and it says so).

<taskId> is the full id or a unique prefix of at least ${SHORT_ID_LENGTH} characters (as \`tasks\` prints it).

Options:
  --reason TEXT   why, kept in the audit and shown on the cancelled steps
  --db PATH       the database (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json          print the outcome as JSON

Exit codes: 0 cancelled or already ended, 1 TASK_NOT_FOUND / the database cannot be written, 2 bad usage.

Example:
  orchestrate-mcp cancel 3f2a9c1e --reason "wrong branch"
`;

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'cancel a task; the server running it stops its steps within a second',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'cancel', { args, options: { ...DB_OPTIONS, reason: { type: 'string' } }, allowPositionals: true });
    if (typeof parsed === 'number') return parsed;
    const { db, json = false, reason } = parsed.values;
    const [taskId, ...extra] = parsed.positionals;
    if (taskId === undefined) return usageError(io, 'cancel', 'name the task: cancel <taskId>');
    if (extra.length > 0) return usageError(io, 'cancel', `one task at a time; unexpected "${extra.join(' ')}"`);
    try {
      const door = openForDecisions(databaseFor(io, db));
      try {
        const id = door.resolveId(taskId);
        const before = door.phaseOf(id);
        if (isTerminalPhase(before)) {
          const message = `Task ${id} has already ended ${before}; nothing to cancel.`;
          if (json) printJson(io, { taskId: id, cancelled: false, phase: before, message });
          else io.stdout(`${message}\n`);
          return 0;
        }
        const owner = door.ownerOf(id);
        const why = reason ?? 'cancelled from the command line';
        await door.decisions.cancel(id, { actor: 'human', via: 'command line', reason: why });
        // The owner lets go of the task once its steps have stopped.
        const stopped = owner === null || (await door.waitFor(() => door.ownerOf(id) !== owner));
        const next =
          owner === null
            ? 'No server was running it.'
            : stopped
              ? `Its server (${owner}) stopped it.`
              : `Its server (${owner}) stops it within a second.`;
        const message = `Cancelled task ${id}. ${next}`;
        if (json) printJson(io, { taskId: id, cancelled: true, phase: door.phaseOf(id), runBy: owner, stopped, message });
        else io.stdout(`${message}\n`);
      } finally {
        door.close();
      }
      return 0;
    } catch (error) {
      return failure(io, 'cancel', error, json);
    }
  },
};
