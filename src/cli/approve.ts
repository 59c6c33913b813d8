import { INTERRUPTED_DECISIONS, isTerminalPhase } from '../engine/model.js';
import { DB_OPTIONS, databaseFor, failure, parseCommandArgs, printJson } from './args.js';
import type { CliCommand } from './command.js';
import { usageError } from './command.js';
import { SHORT_ID_LENGTH } from './database.js';
import { openForDecisions, type DecisionDoor } from './decision-door.js';

const VIA = 'command line';

const HELP = `Usage: orchestrate-mcp approve <taskId> [--step ID] [--reject] [--decision retry|done|fail]
                               [--comment TEXT] [--plan-hash HASH] [--db PATH] [--json]

Decides, as a person (audit actor "human", via the command line), what a task waits for:
  approve <taskId>                     approve its plan; a server on the database runs it
  approve <taskId> --reject            reject its plan; nothing runs
  approve <taskId> --step s2           confirm step s2 (a destructive or external step)
  approve <taskId> --step s2 --reject  refuse step s2 (it is skipped, with its dependents)
  approve <taskId> --step s2 --decision retry|done|fail
                                       answer a step interrupted by a stopped server: run it
                                       again, count it as completed, or fail it

The decision is stored at once; the server that runs the task acts on it within seconds (the
command waits up to 3.5 s to say so). With no server running, it is acted on when one starts.

<taskId> is the full id or a unique prefix of at least ${SHORT_ID_LENGTH} characters (as \`tasks\` prints it).

Options:
  --step ID          answer this step instead of the plan
  --reject           reject the plan, or refuse the step
  --decision D       for an interrupted step: retry, done or fail
  --comment TEXT     your words, kept in the audit
  --plan-hash HASH   approve only if the plan is still this one (as \`show\` prints it)
  --db PATH          the database (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json             print what was decided as JSON

Exit codes: 0 decided, 1 TASK_NOT_FOUND / INVALID_TRANSITION / PLAN_CHANGED / STEP_NOT_FOUND /
INVALID_ARGUMENT / the database cannot be written, 2 bad usage.

Examples:
  orchestrate-mcp approve 3f2a9c1e
  orchestrate-mcp approve 3f2a9c1e --step s3 --comment "checked the target folder"
  orchestrate-mcp approve 3f2a9c1e --step s2 --decision done
`;

const OPTIONS = {
  ...DB_OPTIONS,
  step: { type: 'string' },
  reject: { type: 'boolean' },
  decision: { type: 'string' },
  comment: { type: 'string' },
  'plan-hash': { type: 'string' },
} as const;

interface Request {
  taskId: string;
  step?: string;
  decision: 'approve' | 'reject' | (typeof INTERRUPTED_DECISIONS)[number];
  comment?: string;
  planHash?: string;
}

export const approveCommand: CliCommand = {
  name: 'approve',
  summary: 'approve or reject a plan, confirm a step, or answer an interrupted one (as a person)',
  help: HELP,
  async run(args, io) {
    const parsed = parseCommandArgs(io, 'approve', { args, options: OPTIONS, allowPositionals: true });
    if (typeof parsed === 'number') return parsed;
    const { db, json = false, step, reject = false, decision, comment } = parsed.values;
    const [taskId, ...extra] = parsed.positionals;
    if (taskId === undefined) return usageError(io, 'approve', 'name the task: approve <taskId>');
    if (extra.length > 0) return usageError(io, 'approve', `one task at a time; unexpected "${extra.join(' ')}"`);
    if (decision !== undefined && step === undefined) return usageError(io, 'approve', '--decision answers a step: add --step ID');
    if (decision !== undefined && reject) return usageError(io, 'approve', 'give either --reject or --decision, not both');
    if (decision !== undefined && !(INTERRUPTED_DECISIONS as readonly string[]).includes(decision)) {
      return usageError(io, 'approve', `unknown decision "${decision}"; decisions: ${INTERRUPTED_DECISIONS.join(', ')}`);
    }
    if (parsed.values['plan-hash'] !== undefined && (step !== undefined || reject)) {
      return usageError(io, 'approve', '--plan-hash goes with approving a plan');
    }
    const request: Request = {
      taskId,
      decision: (decision as Request['decision'] | undefined) ?? (reject ? 'reject' : 'approve'),
      ...(step !== undefined ? { step } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(parsed.values['plan-hash'] !== undefined ? { planHash: parsed.values['plan-hash'] } : {}),
    };
    try {
      const door = openForDecisions(databaseFor(io, db));
      try {
        const id = door.resolveId(taskId);
        const report = request.step === undefined ? await decidePlan(door, id, request) : await answerStep(door, id, request.step, request);
        if (json) printJson(io, report);
        else io.stdout(`${report.message}\n`);
      } finally {
        door.close();
      }
      return 0;
    } catch (error) {
      return failure(io, 'approve', error, json);
    }
  },
};

interface Report {
  taskId: string;
  stepId?: string;
  decision: string;
  phase: string;
  /** The process running the task once the decision was taken (null: none yet). */
  runBy: string | null;
  message: string;
}

async function decidePlan(door: DecisionDoor, taskId: string, request: Request): Promise<Report> {
  const by = { actor: 'human' as const, via: VIA, ...(request.comment ? { comment: request.comment } : {}) };
  if (request.decision === 'reject') {
    const task = await door.decisions.reject(taskId, { ...by, reason: request.comment ?? 'plan rejected from the command line' });
    return { taskId, decision: 'reject', phase: task.phase, runBy: null, message: `Rejected the plan of task ${taskId}: nothing runs.` };
  }
  const task = await door.decisions.approve(taskId, { ...by, ...(request.planHash ? { planHash: request.planHash } : {}) });
  const picked = await door.waitFor(() => door.ownerOf(taskId) !== null || isTerminalPhase(door.phaseOf(taskId)));
  const runBy = door.ownerOf(taskId);
  const next = picked
    ? runBy
      ? `A server (${runBy}) runs it now.`
      : `It has already ended ${door.phaseOf(taskId)}.`
    : 'No server has picked it up yet: it runs as soon as a server on this database is running (a server adopts approved tasks within 2 s, and at start).';
  return {
    taskId,
    decision: 'approve',
    phase: door.phaseOf(taskId),
    runBy,
    message: `Approved the plan of task ${taskId} (plan ${task.planHash}). ${next}`,
  };
}

async function answerStep(door: DecisionDoor, taskId: string, stepId: string, request: Request): Promise<Report> {
  await door.decisions.answerStep(taskId, stepId, {
    decision: request.decision,
    actor: 'human',
    via: VIA,
    ...(request.comment ? { comment: request.comment } : {}),
  });
  const applied = await door.waitFor(async () => (await door.load(taskId)).runs.get(stepId)?.state !== 'awaiting_confirmation');
  const task = await door.load(taskId);
  const state = task.runs.get(stepId)?.state ?? 'unknown';
  const next = applied
    ? `The server running the task took it: the step is ${state}.`
    : 'No server has taken it yet: the server that runs the task applies it within a second (or when one resumes the task).';
  return {
    taskId,
    stepId,
    decision: request.decision,
    phase: task.phase,
    runBy: door.ownerOf(taskId),
    message: `Answered step ${stepId} of task ${taskId}: ${request.decision}. ${next}`,
  };
}
