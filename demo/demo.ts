/**
 * A scripted end-to-end run for newcomers: `npm run demo`. This file is an MCP client: it starts
 * the real server over stdio and plays both the human who approves the plan and the LLM the server
 * samples. Exits 0 when the run went as scripted, 1 otherwise.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { checkRun } from './checks.js';
import { logData, showLog, showReply, showSamplingRequest } from './narrate.js';
import { createDemoDirs, projectRoot, type DemoDirs } from './project.js';
import { samplingKind, scriptedReply, type SamplingKind } from './scripted-llm.js';
import { startSession, type SamplingParams, type Session } from './session.js';
import { TaskSnapshotSchema, Tracker, isTerminal, type TaskSnapshot } from './tracker.js';
import { createUi, type Ui } from './ui.js';

const REQUEST = "Check this project's TypeScript setup and report what you find";
const FACTS = ['CI type-checks with `npm run typecheck:ci` (a script in package.json)'];
const DEADLINE_MS = 45_000;
/** A pause before each scripted answer, so the live progress reads like a real exchange. */
const LLM_LATENCY_MS = 250;

interface Run {
  ui: Ui;
  dirs: DemoDirs;
  root: string;
  tracker: Tracker;
  session?: Session;
  taskId?: string;
  sampled: SamplingKind[];
  notifications: string[];
  /** `--cleanup`: remove the temporary directory at the end (the tests pass it). */
  cleanup: boolean;
}

async function main(argv: readonly string[]): Promise<number> {
  const ui = createUi((text) => process.stdout.write(text), process.stdout.isTTY === true && !process.env['NO_COLOR']);
  const run: Run = {
    ui,
    dirs: createDemoDirs(),
    root: projectRoot(),
    tracker: new Tracker(ui),
    sampled: [],
    notifications: [],
    cleanup: argv.includes('--cleanup'),
  };
  let problems: string[];
  try {
    problems = await withDeadline(play(run), DEADLINE_MS);
  } catch (error) {
    problems = [error instanceof Error ? error.message : String(error)];
  } finally {
    await run.session?.close().catch(() => {});
  }
  ui.line();
  if (problems.length === 0) {
    ui.line(ui.paint('green', ui.paint('bold', '✓ The demo ran as scripted.')));
  } else {
    ui.line(ui.paint('red', ui.paint('bold', '✗ Something unexpected happened:')));
    for (const problem of problems) ui.line(ui.paint('red', `  - ${problem}`));
    const stderr = run.session?.stderr().trim();
    if (stderr) ui.block(`server stderr:\n${stderr}`, { maxLines: 30 });
  }
  if (run.cleanup) run.dirs.remove();
  return problems.length === 0 ? 0 : 1;
}

async function play(run: Run): Promise<string[]> {
  const { ui, dirs } = run;
  ui.line(ui.paint('bold', 'orchestrate-mcp demo — one request: planned, approved, executed, repaired, reported'));
  ui.line('  This script is an MCP client. It starts the real server over stdio and plays two parts:');
  ui.line('  the human who approves the plan, and the LLM the server asks through sampling (scripted).');
  const session = await startSession({
    root: run.root,
    db: dirs.db,
    onSample: (params) => answer(run, params),
    onLog: (params) => {
      run.tracker.observeLog(logData(params));
      const message = showLog(ui, params);
      if (message !== undefined) run.notifications.push(message);
    },
  });
  run.session = session;
  ui.line(`  ${ui.paint('dim', 'server ')}  ${session.commandLine}`);
  ui.line(`  ${ui.paint('dim', 'project')}  ${dirs.workdir}  (package.json, tsconfig.json, src/index.ts)`);

  ui.section(1, 'The request');
  ui.line(`  You ask: ${ui.paint('bold', `"${REQUEST}"`)}`);
  ui.line(`  with one fact about the project: "${FACTS[0]}"`);
  ui.line(ui.paint('dim', '  → plan { request, context: { workdir, facts } }'));

  ui.section(2, "Decomposition: the server asks the client's LLM for a plan");
  const planned = await session.call('plan', { request: REQUEST, context: { workdir: dirs.workdir, facts: FACTS } });
  const taskId = String(planned['taskId']);
  const planHash = String(planned['planHash']);
  run.taskId = taskId;
  ui.line();
  ui.line(`  plan returned: phase ${ui.paint('bold', String(planned['phase']))}, planHash ${planHash.slice(0, 12)}…, planText:`);
  ui.block(String(planned['planText']));

  ui.section(3, 'Approval: nothing runs until a human says so');
  const baseline = await status(session, taskId);
  run.tracker.baseline(baseline);
  ui.line(`  ${ui.paint('bold', 'You (the human):')} "Read-only checks and one research question. Approved."`);
  ui.line(ui.paint('dim', `  → approve { taskId: "${taskId}", planHash: "${planHash.slice(0, 12)}…" }`));
  run.tracker.hold();
  const approved = await session.call('approve', { taskId, planHash });
  ui.line(`  ${ui.paint('green', '✓')} approved: decision ${String(approved['decision'])}, the task runs in the background`);

  ui.section(4, 'Execution, followed live with status { waitUntil: "change" } and logs');
  run.tracker.observe(TaskSnapshotSchema.parse(approved['task']));
  run.tracker.release();
  while (!isTerminal(run.tracker.latest?.phase ?? '')) {
    run.tracker.observe(await status(session, taskId, 'change'));
  }
  const task = run.tracker.latest as TaskSnapshot;

  ui.section(6, 'The final report');
  ui.line(`  status { taskId } → phase ${ui.paint('bold', task.phase)}, replanAttempts ${task.replanAttempts}, summaryText:`);
  ui.block(task.summaryText);
  explainOutcome(ui, task, new Set(baseline.steps.map((s) => s.id)));
  const problems = checkRun({ task, sampled: run.sampled, notifications: run.notifications });

  await session.close();
  run.session = undefined;
  await showState(run, taskId);
  return problems;
}

/** The scripted LLM: prints what the server asks, waits a moment, answers. */
async function answer(run: Run, params: SamplingParams): Promise<string> {
  const kind = samplingKind(params.systemPrompt ?? '');
  if (kind === undefined) throw new Error(`the scripted LLM does not know this prompt: ${params.systemPrompt ?? '(none)'}`);
  run.sampled.push(kind);
  // Print the step changes that led to this request before the request itself.
  if (kind !== 'planner' && run.session && run.taskId) run.tracker.observe(await status(run.session, run.taskId));
  if (kind === 'repair') run.ui.section(5, 'A step failed: the server asks the LLM for a repair plan');
  showSamplingRequest(run.ui, kind, params);
  await delay(LLM_LATENCY_MS);
  const reply = scriptedReply(kind);
  showReply(run.ui, kind, reply);
  return reply;
}

async function status(session: Session, taskId: string, waitUntil?: 'change'): Promise<TaskSnapshot> {
  const args = waitUntil ? { taskId, waitUntil, timeoutSeconds: 10 } : { taskId };
  const result = await session.call('status', args);
  return TaskSnapshotSchema.parse(result['task']);
}

function explainOutcome(ui: Ui, task: TaskSnapshot, planned: ReadonlySet<string>): void {
  const failed = task.steps.filter((s) => s.state === 'failed').map((s) => s.id);
  const added = task.steps.filter((s) => !planned.has(s.id)).map((s) => s.id);
  if (task.phase !== 'failed' || failed.length === 0) return;
  ui.line();
  ui.line(
    `  ${ui.paint('yellow', `Why "failed"?`)} The original step ${failed.join(', ')} failed; corrective steps ${added.join(', ')} ran.`,
  );
  ui.line('  orchestrate-mcp keeps the record honest: a task whose approved plan had a failing step ends');
  ui.line('  "failed" even when the replan recovered, and the report shows both the failure and the fix.');
}

/** Where the state lives, shown by restarting the server on the same database. */
async function showState(run: Run, taskId: string): Promise<void> {
  const { ui, dirs } = run;
  const again = await startSession({ root: run.root, db: dirs.db });
  try {
    const task = await status(again, taskId);
    const done = task.steps.filter((s) => s.state === 'completed').length;
    ui.line();
    ui.line(`  ${ui.paint('bold', 'State:')} everything lives in one SQLite file: ${dirs.db}`);
    ui.line(`  A fresh server on that file (${ui.paint('dim', again.commandLine)})`);
    ui.line(`  answers status { taskId: "${taskId}" } with phase ${task.phase}, ${done}/${task.steps.length} steps completed.`);
    ui.line(
      ui.paint(
        'dim',
        run.cleanup ? '  (--cleanup: the temporary directory is removed on exit)' : `  (temporary; remove it with: rm -rf ${dirs.root})`,
      ),
    );
  } finally {
    await again.close();
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the demo did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

process.exitCode = await main(process.argv.slice(2));
