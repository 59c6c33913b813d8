import { DB_OPTIONS, databaseFor, failure, parseCommandArgs, printJson } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { usageError } from './command.js';
import { openReadOnly, PHASES, type Phase, type TaskListEntry } from './database.js';
import { formatTime, oneLine, STATE_MARKERS, table } from './format.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 10_000;
const REQUEST_WIDTH = 60;

const HELP = `Usage: orchestrate-mcp tasks [--phase P] [--limit N] [--db PATH] [--json]

Lists the tasks in the database, newest first: id (the shortest unique prefix; \`show\` takes it),
phase, when it was created, its steps counted by state, and the request.

Options:
  --phase P     only tasks in phase P: ${PHASES.join(', ')}
  --limit N     at most N tasks (default ${DEFAULT_LIMIT})
  --db PATH     the database (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json        print JSON: { "tasks": [{ id, shortId, request, phase, createdAt, completedAt?, steps }] }

Works while a server runs on the same database (it only reads).

Example:
  orchestrate-mcp tasks --phase failed --limit 5
`;

export const tasksCommand: CliCommand = {
  name: 'tasks',
  summary: 'list the tasks, newest first (--phase to filter)',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'tasks', {
      args,
      options: { ...DB_OPTIONS, phase: { type: 'string' }, limit: { type: 'string' } },
    });
    if (typeof parsed === 'number') return parsed;
    const { phase, limit: limitText, db, json = false } = parsed.values;
    if (phase !== undefined && !isPhase(phase)) return usageError(io, 'tasks', `unknown phase "${phase}"; phases: ${PHASES.join(', ')}`);
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return usageError(io, 'tasks', `--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${limitText}"`);
    }
    try {
      const database = openReadOnly(databaseFor(io, db));
      try {
        const tasks = database.listTasks({ limit, ...(phase ? { phase } : {}) });
        if (json) printJson(io, { tasks });
        else printTasks(io, tasks, database.path, phase);
      } finally {
        database.close();
      }
      return 0;
    } catch (error) {
      return failure(io, 'tasks', error, json);
    }
  },
};

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

function printTasks(io: CliIo, tasks: TaskListEntry[], path: string, phase: Phase | undefined): void {
  if (tasks.length === 0) {
    io.stdout(`No tasks${phase ? ` in phase ${phase}` : ''} in ${path}.\n`);
    return;
  }
  const rows = [
    ['ID', 'PHASE', 'CREATED', 'STEPS', 'REQUEST'],
    ...tasks.map((task) => [
      task.shortId,
      task.phase,
      formatTime(task.createdAt),
      stepsCell(task.steps),
      oneLine(task.request, REQUEST_WIDTH),
    ]),
  ];
  io.stdout(`${table(rows)}\n`);
}

/** "3/4 ✓ 1 ✗": completed of total, then the other states that have steps. */
function stepsCell(steps: TaskListEntry['steps']): string {
  const others = (['failed', 'running', 'awaiting_confirmation', 'skipped', 'cancelled'] as const)
    .filter((state) => steps[state] > 0)
    .map((state) => `${steps[state]}${STATE_MARKERS[state]}`);
  return [`${steps.completed}/${steps.total}✓`, ...others].join(' ');
}
