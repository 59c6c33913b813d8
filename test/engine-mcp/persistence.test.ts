import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { DECLINE, auditRows, finished, phaseRows, plan, routedLlm, start, states, status, step } from './support.js';

const open: Harness[] = [];
let dir: string | undefined;

/** A harness on the shared state file of this test; closed in reverse order afterwards. */
async function boot(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  dir ??= mkdtempSync(join(tmpdir(), 'orchestrate-restart-'));
  const harness = await startHarness({ ...options, db: join(dir, 'state.db'), workdir: dir });
  open.push(harness);
  return harness;
}

async function shutDown(harness: Harness): Promise<void> {
  open.splice(open.indexOf(harness), 1);
  await harness.close();
}

afterEach(async () => {
  for (const harness of open.splice(0).reverse()) await harness.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('restart', () => {
  it('shows a finished task exactly as it was, with every step outcome, after a restart', async () => {
    const first = await boot({ llm: routedLlm({}, { repair: DECLINE }) });
    const planned = await start(first, 'mixed bag', [
      { description: 'Write notes', action: 'plan', output: 'the notes' },
      { description: 'Fail loudly', action: 'shell', command: 'echo broken >&2; exit 7' },
      { description: 'After the failure', action: 'plan', output: 'never', depends_on: [1] },
      { description: 'Echo', action: 'execute', command: 'echo from before the restart', depends_on: [0] },
    ]);
    const before = await finished(first, planned.taskId);
    expect(before.phase).toBe('failed');
    expect(states(before)).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped', s4: 'completed' });
    const rows = phaseRows(first.db, planned.taskId);
    const audit = auditRows(first.db, planned.taskId);
    await shutDown(first);

    const second = await boot();
    const after = await status(second, planned.taskId);
    // `version` is a per-process change counter for long-polling, not part of the task's record.
    const { version: _v1, ...afterRecord } = after as typeof after & { version?: number };
    const { version: _v2, ...beforeRecord } = before as typeof before & { version?: number };
    expect(afterRecord).toEqual(beforeRecord);
    expect(step(after, 's2').error).toBe('Shell command failed (exit 7): echo broken >&2; exit 7\nstderr: broken');
    expect(step(after, 's3').reason).toBe('dependency s2 failed');
    expect(step(after, 's4').outputs).toMatchObject({ stdout: 'from before the restart\n', exitCode: 0 });
    expect(after.summaryText).toContain('─── Result ───\nfrom before the restart');
    expect(phaseRows(second.db, planned.taskId)).toEqual(rows);
    expect(auditRows(second.db, planned.taskId)).toEqual(audit);
    const list = await second.ok<{ tasks: Array<{ id: string; phase: string }> }>('status', {});
    expect(list.tasks).toEqual([expect.objectContaining({ id: planned.taskId, phase: 'failed', stepCount: 4 })]);
  });

  it('keeps a plan awaiting approval across a restart; the new process approves and runs it', async () => {
    const first = await boot();
    const planned = await plan(first, 'later', [
      { description: 'Say it', action: 'shell', command: 'echo approved after restart' },
      { description: 'Note it', action: 'plan', output: 'noted', depends_on: [0] },
    ]);
    await shutDown(first);

    const second = await boot();
    const pending = await status(second, planned.taskId);
    expect(pending.phase).toBe('awaiting_approval');
    expect(pending.planHash).toBe(planned.planHash);
    await second.ok('approve', { planHash: planned.planHash });
    const task = await finished(second, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.stdout).toBe('approved after restart\n');
    expect(phaseRows(second.db, planned.taskId)).toEqual(['planning', 'awaiting_approval', 'executing', 'reconciling', 'completed']);
  });
});
