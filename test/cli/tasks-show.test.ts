/**
 * `tasks` and `show` through the real bin, on a database a real server wrote: a completed task,
 * a failed one (with output and a skipped step) and one awaiting approval.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, writeSampleTasks, type SampleTasks } from './support.js';

let dir: string;
let db: string;
let tasks: SampleTasks;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-cli-'));
  db = join(dir, 'state.db');
  tasks = await writeSampleTasks(dir, db);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => cli(args, { cwd: dir, env });

describe('tasks', () => {
  it('lists the tasks newest first with phase, step counts and request', async () => {
    const result = await run(['tasks', '--db', db]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PHASE\s+CREATED\s+STEPS\s+REQUEST$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${tasks.awaiting.slice(0, 8)}\\w*\\s+awaiting_approval\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\s+0/1✓\\s+Clean up later$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^${tasks.failed.slice(0, 8)}\\w*\\s+failed\\s.*\\s1/3✓ 1✗ 1–\\s+Prepare, then run the tests$`));
    expect(lines[3]).toMatch(new RegExp(`^${tasks.completed.slice(0, 8)}\\w*\\s+completed\\s.*\\s3/3✓\\s+Say hello and count to three$`));
  });

  it('finds the database through ORCHESTRATE_DB, as the server does', async () => {
    const result = await run(['tasks'], { ORCHESTRATE_DB: db });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Say hello and count to three');
  });

  it('filters by phase and limits the count', async () => {
    const failed = await cliJson(['tasks', '--db', db, '--phase', 'failed'], { cwd: dir });
    expect(failed.tasks.map((t: { id: string }) => t.id)).toEqual([tasks.failed]);
    expect(failed.tasks[0]).toMatchObject({
      phase: 'failed',
      request: 'Prepare, then run the tests',
      steps: { completed: 1, failed: 1, skipped: 1, total: 3 },
    });
    expect(failed.tasks[0].completedAt).toEqual(expect.any(String));
    const newest = await cliJson(['tasks', '--db', db, '--limit', '1'], { cwd: dir });
    expect(newest.tasks.map((t: { id: string }) => t.id)).toEqual([tasks.awaiting]);
    const none = await run(['tasks', '--db', db, '--phase', 'cancelled']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`No tasks in phase cancelled in ${db}.\n`);
  });

  it('rejects an unknown phase with exit 2, listing the phases', async () => {
    const result = await run(['tasks', '--db', db, '--phase', 'done']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown phase "done"; phases: planning, awaiting_approval, executing, awaiting_replan');
    expect(result.stderr).toContain('orchestrate-mcp tasks --help');
  });

  it('rejects a bad --limit and unknown options with exit 2', async () => {
    expect((await run(['tasks', '--db', db, '--limit', '0'])).code).toBe(2);
    expect((await run(['tasks', '--db', db, '--limit', 'lots'])).stderr).toContain('--limit must be a whole number');
    const unknown = await run(['tasks', '--db', db, '--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--verbose'");
  });

  it('fails with DATABASE_NOT_FOUND (exit 1) where there is no database, and creates none', async () => {
    const missing = join(dir, 'missing.db');
    const result = await run(['tasks', '--db', missing, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DATABASE_NOT_FOUND: No state database at ${missing}.`);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'DATABASE_NOT_FOUND' });
    expect((await run(['tasks', '--db', missing])).code).toBe(1);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a database written by a newer version with DATABASE_SCHEMA_MISMATCH', async () => {
    const newer = join(dir, 'newer.db');
    copyFileSync(db, newer);
    const raw = new BetterSqlite3(newer);
    raw.pragma('user_version = 99');
    raw.close();
    const result = await run(['tasks', '--db', newer]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_SCHEMA_MISMATCH');
    expect(result.stderr).toContain('newer orchestrate-mcp (schema 99');
  });
});

describe('show', () => {
  it('shows a completed task: header, report, the graph by levels and every step', async () => {
    const result = await run(['show', tasks.completed, '--db', db]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const out = result.stdout;
    expect(out).toContain(`Task ${tasks.completed}\n`);
    expect(out).toMatch(/Request: +Say hello and count to three\n/);
    expect(out).toMatch(/Phase: +completed\n/);
    expect(out).toMatch(/Plan hash: +[0-9a-f]{16,}\n/);
    expect(out).toMatch(new RegExp(`Workdir: +${dir}\\n`));
    expect(out).toMatch(/Completed: +\d{4}-.* UTC \(.* after it was created\)\n/);
    expect(out).toContain('Steps:      3 — 3 ✓ completed');
    expect(out).toContain('Report\n  Completed: "Say hello and count to three" — all 3 steps succeeded');
    expect(out).toContain('  L1  [#1 ✓ shell]  [#2 ✓ shell]\n       │\n  L2  [#3 ✓ shell ← #1 #2]\n');
    expect(out).toMatch(/ {2}#3 ✓ s3 {2}shell {2}execute {2}completed {2}after #1, #2/);
    expect(out).toContain('     Say done\n     input: {"command":"echo done"}');
    expect(out).toContain('     stdout:\n       one\n       two\n       three\n');
  });

  it('shows a failed task: the failure, the tail of its output and the skipped step', async () => {
    const result = await run(['show', tasks.failed, '--db', db]);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('Report\n  Failed: "Prepare, then run the tests" — 1/3 succeeded, 1 failed, 1 skipped');
    expect(out).toContain('  L1  [#1 ✓ shell]\n       │\n  L2  [#2 ✗ shell ← #1]\n       │\n  L3  [#3 – shell ← #2]');
    const failedStep = out.slice(out.indexOf('  #2 ✗ s2'), out.indexOf('  #3 – s3'));
    expect(failedStep).toMatch(/#2 ✗ s2 {2}shell {2}execute {2}failed {2}after #1/);
    expect(failedStep).toMatch(/error: Shell command failed \(exit 3\)/);
    expect(failedStep).toContain('exit code: 3');
    expect(failedStep).toContain('stdout (last 10 of 15 lines):\n       test line 6\n');
    expect(failedStep).toContain('       test line 15\n');
    expect(failedStep).not.toContain('test line 5\n');
    expect(failedStep).toContain('stderr:\n       boom: assertion failed');
    expect(out).toMatch(/#3 – s3 {2}shell {2}execute {2}skipped {2}after #2\n {5}Publish\n.*\n {5}reason: /);
  });

  it('shows what a task waits for', async () => {
    const result = await run(['show', tasks.awaiting, '--db', db]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Waiting\n {2}The plan waits for approval \(plan hash [0-9a-f]+\)\./);
    expect(result.stdout).toContain('Report\n  Awaiting approval: "Clean up later" — 1 step in plan');
    expect(result.stdout).toContain('  L1  [#1 · shell]');
  });

  it('prints the TaskView with --json', async () => {
    const view = await cliJson(['show', tasks.failed, '--db', db], { cwd: dir });
    expect(view).toMatchObject({
      id: tasks.failed,
      request: 'Prepare, then run the tests',
      phase: 'failed',
      origin: 'host',
      counts: { completed: 1, failed: 1, skipped: 1, total: 3 },
      stepsTotal: 3,
      workdir: dir,
    });
    expect(view.planHash).toEqual(expect.any(String));
    expect(view.summaryText).toContain('Failed: "Prepare, then run the tests"');
    expect(view.steps.map((s: { id: string; state: string }) => [s.id, s.state])).toEqual([
      ['s1', 'completed'],
      ['s2', 'failed'],
      ['s3', 'skipped'],
    ]);
    expect(view.steps[1].dependsOn).toEqual(['s1']);
    expect(view.steps[1].outputs.stdout.split('\n')).toHaveLength(16);
    expect(view.steps[1].outputs.exitCode).toBe(3);
  });

  it('accepts a unique prefix of 8 characters', async () => {
    const result = await run(['show', tasks.completed.slice(0, 8), '--db', db]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Task ${tasks.completed}\n`);
  });

  it('fails with TASK_NOT_FOUND (exit 1) for an unknown id or a prefix under 8 characters', async () => {
    const unknown = await run(['show', 'no-such-task-id', '--db', db, '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('TASK_NOT_FOUND: No task with id "no-such-task-id".');
    expect(JSON.parse(unknown.stdout).error.code).toBe('TASK_NOT_FOUND');
    const short = await run(['show', tasks.completed.slice(0, 7), '--db', db]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('TASK_NOT_FOUND');
    expect(short.stderr).toContain('at least 8 characters');
  });

  it('fails with AMBIGUOUS_TASK when a prefix names several tasks', async () => {
    const copy = join(dir, 'ambiguous.db');
    copyFileSync(db, copy);
    const raw = new BetterSqlite3(copy);
    const twin = `${tasks.completed.slice(0, 8)}-0000-0000-0000-000000000000`;
    raw
      .prepare(
        `INSERT INTO tasks (id, request, phase, plan_hash, origin, created_at, updated_at) VALUES (?, 'twin', 'failed', 'h', 'host', ?, ?)`,
      )
      .run(twin, new Date().toISOString(), new Date().toISOString());
    raw.close();
    const result = await run(['show', tasks.completed.slice(0, 8), '--db', copy]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`AMBIGUOUS_TASK: 2 tasks start with "${tasks.completed.slice(0, 8)}".`);
    expect(result.stderr).toContain(tasks.completed);
    expect(result.stderr).toContain(twin);
    // The list shows ids long enough to tell the two apart.
    const listed = await run(['tasks', '--db', copy]);
    const shown =
      listed.stdout
        .split('\n')
        .find((line) => line.endsWith('Say hello and count to three'))
        ?.split(' ')[0] ?? '';
    expect(shown.length).toBeGreaterThan(8);
    expect(tasks.completed.startsWith(shown) && !twin.startsWith(shown)).toBe(true);
  });

  it('needs exactly one task id (exit 2)', async () => {
    const none = await run(['show', '--db', db]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name the task');
    expect((await run(['show', tasks.completed, tasks.failed, '--db', db])).code).toBe(2);
    expect((await run(['show', tasks.completed, '--db', db, '--full'])).code).toBe(2);
  });
});
