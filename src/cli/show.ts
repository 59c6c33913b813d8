import { DB_OPTIONS, databaseFor, failure, parseCommandArgs, printJson } from './args.js';
import type { CliCommand } from './command.js';
import { usageError } from './command.js';
import { openReadOnly, SHORT_ID_LENGTH } from './database.js';
import { taskText } from './task-text.js';

const HELP = `Usage: orchestrate-mcp show <taskId> [--db PATH] [--json]

Shows one task as a human reads it: the request, phase, plan hash, working directory and times;
what it waits for; the report; the plan drawn as a graph by levels (steps of one level can run in
parallel); then every step in order with its state, dependencies ("after #n"), tier, input,
summary or error, and its output abbreviated (the start of a finished step's, the last lines of a
failed one's).

<taskId> is the full id or a unique prefix of at least ${SHORT_ID_LENGTH} characters (as \`tasks\` prints it).

Options:
  --db PATH     the database (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json        print the TaskView the status tool returns, uncapped (every step, whole outputs),
                plus "workdir"

Exit codes: 0 shown, 1 TASK_NOT_FOUND / AMBIGUOUS_TASK / the database cannot be read, 2 bad usage.

Example:
  orchestrate-mcp show 3f2a9c1e
`;

export const showCommand: CliCommand = {
  name: 'show',
  summary: 'one task: header, report, the plan as a graph, every step and its output',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'show', { args, options: DB_OPTIONS, allowPositionals: true });
    if (typeof parsed === 'number') return parsed;
    const { db, json = false } = parsed.values;
    const [taskId, ...extra] = parsed.positionals;
    if (taskId === undefined) return usageError(io, 'show', 'name the task: show <taskId>');
    if (extra.length > 0) return usageError(io, 'show', `one task at a time; unexpected "${extra.join(' ')}"`);
    try {
      const database = openReadOnly(databaseFor(io, db));
      try {
        const detail = database.loadTask(taskId);
        if (json) printJson(io, { ...detail.view, ...(detail.workdir ? { workdir: detail.workdir } : {}) });
        else io.stdout(taskText(detail));
      } finally {
        database.close();
      }
      return 0;
    } catch (error) {
      return failure(io, 'show', error, json);
    }
  },
};
