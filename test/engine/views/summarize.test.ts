import { describe, it, expect } from 'vitest';
import { TaskGraph } from '../../../src/engine/graph.js';
import type { Phase, Step, StepRun, Task, Tier } from '../../../src/engine/model.js';
import { formatPlanForApproval, summarizeTask } from '../../../src/engine/views/summarize.js';
import { testCatalogue } from '../../helpers/catalogue.js';
import { finalizeDrafts } from '../../../src/engine/plan/finalize.js';
import { withTierFloor } from '../../../src/engine/plan/tier-floor.js';

const TASK_ID = '0f8c2a52-7a3e-4c1b-9d55-1f2e3a4b5c6d';

function step(id: string, description: string, dependsOn: string[] = [], tier: Tier = 'read'): Step {
  return { id, action: 'plan', description, dependsOn, tier, input: {}, estimatedTokens: 0 };
}

/** Steps as the plan path stores them: with the command lines and tier reasons the catalogue gave. */
async function checked(steps: Step[]): Promise<Step[]> {
  const catalogue = testCatalogue();
  return Promise.all(
    steps.map(async (s) => {
      const check = await catalogue.checkInput(s.action, s.input);
      if (!check.ok) return s;
      const draft = { ...s, dependsOn: [], commands: check.commands, required: check.required };
      const [final] = finalizeDrafts(withTierFloor([draft]), () => s.id);
      return { ...s, tier: final?.tier ?? s.tier, commands: final?.commands ?? [], tierReasons: final?.tierReasons ?? [] };
    }),
  );
}

function done(summary: string, stdout = ''): StepRun {
  return {
    state: 'completed',
    summary,
    outputs: { stdout, stderr: '', exitCode: 0, artifacts: [], data: null },
  };
}

function makeTask(phase: Phase, steps: Step[], runs: Record<string, StepRun> = {}, request = 'Ship it'): Task {
  return {
    id: TASK_ID,
    request,
    phase,
    planHash: 'hash',
    createdAt: '2025-01-01T00:00:00.000Z',
    replanAttempts: 0,
    origin: 'host',
    context: {},
    steps,
    // Every stored step has a run record: pending until it starts.
    runs: new Map(steps.map((step): [string, StepRun] => [step.id, runs[step.id] ?? { state: 'pending' }])),
    version: 1,
  };
}

function summary(task: Task): string {
  return summarizeTask(task, TaskGraph.from(task.steps));
}

function plan(task: Task): string {
  return formatPlanForApproval(task, TaskGraph.from(task.steps));
}

/** The seed's test_steps(): research then execute, the second after the first. */
const seedSteps = [step('s1', 'Research the test'), step('s2', 'Test it with echo hello', ['s1'], 'execute')];

describe('formatPlanForApproval', () => {
  it('lists the steps without an [exec] tag and advertises `approve` and `reject`', () => {
    const text = plan(makeTask('awaiting_approval', seedSteps));
    expect(text).toContain('Research');
    expect(text).toContain('Test');
    expect(text).not.toContain('[exec]');
    expect(text).toContain('`approve`');
    expect(text).toContain('`reject`');
  });

  it('embeds the task id and never a <nonce> placeholder', () => {
    const text = plan(makeTask('awaiting_approval', seedSteps));
    expect(text).toContain(TASK_ID);
    expect(text).not.toContain('<nonce>');
  });

  it('marks destructive and external steps only', () => {
    const text = plan(
      makeTask('awaiting_approval', [
        step('a', 'Read notes'),
        step('b', 'Delete the build dir', [], 'destructive'),
        step('c', 'Post to Slack', [], 'external'),
        step('d', 'Write file', [], 'write'),
      ]),
    );
    expect(text).toContain('  2. Delete the build dir (destructive — extra confirmation)');
    expect(text).toContain('  3. Post to Slack (external call — extra confirmation)');
    expect(text).toContain('  1. Read notes\n');
    expect(text).toContain('  4. Write file\n');
  });

  it('shows the command lines the catalogue names for a step, and why the commands raised its tier', async () => {
    const shell = (id: string, command: string, tier: Tier): Step => ({
      ...step(id, `Run ${id}`, [], tier),
      action: 'shell',
      input: { command },
    });
    const text = plan(
      makeTask(
        'awaiting_approval',
        await checked([
          shell('a', 'rm -rf build', 'destructive'),
          shell('b', 'echo hi', 'destructive'),
          shell('c', 'rm -rf tmp && curl -s https://example.com', 'external'),
          shell('d', 'rm -rf x', 'external'),
          { ...step('e', 'Note', [], 'read'), input: { command: 'not a command of the plan action' } },
        ]),
      ),
    );
    expect(text).toContain('  1. Run a (destructive — extra confirmation; raised: rm -r deletes recursively)\n     shell: rm -rf build\n');
    expect(text).toContain('  2. Run b (destructive — extra confirmation)\n     shell: echo hi\n');
    expect(text).toContain(
      '  3. Run c (external call — extra confirmation; raised: curl reaches the network; rm -r deletes recursively)\n     shell: rm -rf tmp && curl -s https://example.com\n',
    );
    // The planner's external is above what the command needs: nothing was raised.
    expect(text).toContain('  4. Run d (external call — extra confirmation)\n     shell: rm -rf x\n');
    expect(text).toContain('  5. Note\n\n');
  });

  it('renders the exact layout in topological order with 1-based dependency refs', () => {
    const steps = [step('d', 'Merge', ['c', 'b']), step('c', 'Test'), step('b', 'Build', ['a']), step('a', 'Fetch')];
    expect(plan(makeTask('awaiting_approval', steps, {}, 'Release v2'))).toBe(
      [
        'Task plan for: "Release v2"',
        '4 steps:',
        '',
        '  1. Fetch',
        '  2. Build (after #1)',
        '  3. Test',
        '  4. Merge (after #2, #3)',
        '',
        'Approve with the `approve` tool to run it, or `reject` to discard it ' +
          `(pass taskId when several plans are pending). Task id: ${TASK_ID}`,
      ].join('\n'),
    );
  });
});

describe('summarizeTask before execution', () => {
  it('mentions Planning and the step count while planning', () => {
    const text = summary(makeTask('planning', seedSteps));
    expect(text).toContain('Planning');
    expect(text).toContain('2 steps');
    expect(text).toBe('Planning: "Ship it" — 2 steps identified');
  });

  it('reports the plan size while awaiting approval', () => {
    expect(summary(makeTask('awaiting_approval', seedSteps))).toBe('Awaiting approval: "Ship it" — 2 steps in plan');
  });

  it('says "1 step" for a one-step plan', () => {
    const one = makeTask('awaiting_approval', [step('s1', 'Only this')]);
    expect(summary(one)).toBe('Awaiting approval: "Ship it" — 1 step in plan');
    expect(plan(one).split('\n')[1]).toBe('1 step:');
  });
});

describe('summarizeTask while running', () => {
  const steps = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => step(id, `Step ${id}`));
  const runs: Record<string, StepRun> = {
    a: { state: 'cancelled' },
    b: { state: 'skipped', reason: 'dependency x failed' },
    c: { state: 'failed', error: 'boom' },
    d: { state: 'awaiting_confirmation', nonce: 'n' },
    e: { state: 'running' },
    f: done('ok'),
  };

  it('lists non-zero counts in the order done, running, awaiting approval, failed, skipped, cancelled', () => {
    expect(summary(makeTask('executing', steps, runs))).toBe(
      'Executing: "Ship it" — 1 done, 1 running, 1 awaiting approval, 1 failed, 1 skipped, 1 cancelled (of 7 steps)',
    );
  });

  it('leaves out zero counts, pending ones included', () => {
    expect(summary(makeTask('executing', steps, { a: done('x'), b: { state: 'running' } }))).toBe(
      'Executing: "Ship it" — 1 done, 1 running (of 7 steps)',
    );
  });

  it('says 0 done when nothing has started', () => {
    expect(summary(makeTask('executing', seedSteps))).toBe('Executing: "Ship it" — 0 done (of 2 steps)');
  });

  it('renders reconciling like executing', () => {
    expect(summary(makeTask('reconciling', seedSteps, { s1: done('a'), s2: done('b') }))).toBe(
      'Executing: "Ship it" — 2 done (of 2 steps)',
    );
  });

  it('says it is waiting for a corrective plan while awaiting a replan', () => {
    const text = summary(makeTask('awaiting_replan', seedSteps, { s1: { state: 'failed', error: 'no' } }));
    expect(text).toBe('Waiting for a corrective plan: "Ship it" — 1 failed (of 2 steps)');
  });
});

describe('summarizeTask when finished', () => {
  it('says Completed and all N steps succeeded for a successful run', () => {
    const text = summary(makeTask('completed', seedSteps, { s1: done('found it'), s2: done('', 'hello\n') }));
    expect(text).toContain('Completed');
    expect(text).toBe(
      [
        'Completed: "Ship it" — all 2 steps succeeded',
        '  1. ✓ Research the test — found it',
        '  2. ✓ Test it with echo hello — (no output)',
        '',
        '─── Result ───',
        'hello',
      ].join('\n'),
    );
  });

  it('heads a mixed outcome with succeeded, failed, skipped and cancelled counts and numbers step lines by topological position', () => {
    const steps = [
      step('e', 'Notify', ['d']),
      step('d', 'Deploy', ['b']),
      step('c', 'Lint'),
      step('b', 'Build', ['a']),
      step('a', 'Fetch'),
      step('f', 'Wait for review'),
      step('g', 'Archive'),
    ];
    const runs: Record<string, StepRun> = {
      a: done('fetched'),
      b: { state: 'failed', error: 'Command failed (exit 1): make' },
      c: { state: 'cancelled', reason: 'denied' },
      d: { state: 'skipped', reason: 'dependency b failed' },
      e: { state: 'skipped', reason: 'dependency b failed' },
      f: { state: 'running' },
    };
    // Topological order: a, b, c, d, e, f, g (ties by id); g has no run and prints nothing.
    expect(summary(makeTask('failed', steps, runs))).toBe(
      [
        'Failed: "Ship it" — 1/7 succeeded, 1 failed, 2 skipped, 1 cancelled',
        '  1. ✓ Fetch — fetched',
        '  2. ✗ Build — Command failed (exit 1): make',
        '  3. — Lint (cancelled)',
        '  4. — Deploy (skipped: dependency b failed)',
        '  5. — Notify (skipped: dependency b failed)',
      ].join('\n'),
    );
  });

  it('omits the cancelled count when there is none and keeps the Completed word outside phase failed', () => {
    const text = summary(makeTask('completed', seedSteps, { s1: done('ok'), s2: { state: 'failed', error: 'x' } }));
    expect(text.split('\n')[0]).toBe('Completed: "Ship it" — 1/2 succeeded, 1 failed, 0 skipped');
  });

  it('appends the longest trimmed completed stdout under the Result separator', () => {
    const steps = [step('a', 'One'), step('b', 'Two'), step('c', 'Three'), step('d', 'Four')];
    const runs: Record<string, StepRun> = {
      a: done('short', '  abc  '),
      b: done('long', '\n  the full report  \n'),
      c: done('tie', 'same length 15!'),
      d: { state: 'failed', error: 'bad', outputs: { stdout: 'x'.repeat(100), stderr: '', exitCode: 1, artifacts: [], data: null } },
    };
    const text = summary(makeTask('failed', steps, runs));
    expect(text.endsWith('\n\n─── Result ───\nthe full report')).toBe(true);
  });

  it('has no Result section when every completed stdout is blank', () => {
    const text = summary(makeTask('completed', seedSteps, { s1: done('a', '   '), s2: done('b') }));
    expect(text).not.toContain('─── Result ───');
  });

  it('caps the result at 4,000 characters', () => {
    const text = summary(makeTask('completed', seedSteps, { s1: done('a', 'y'.repeat(10_000)), s2: done('b') }));
    const result = text.split('─── Result ───\n')[1] ?? '';
    expect(result).toBe('y'.repeat(4_000) + '\n…[truncated]');
  });

  it('summarizes a cancelled task as Cancelled with the request', () => {
    const text = summary(makeTask('cancelled', seedSteps, { s1: { state: 'cancelled' } }, 'Do the thing'));
    expect(text).toBe('Cancelled: "Do the thing"');
  });
});

describe('the report of a huge task', () => {
  it('shows the first 40 step lines, says how many it left out, and still shows later failures', () => {
    const steps = Array.from({ length: 1_000 }, (_, i) => step(`s${i + 1}`, `Step ${i + 1}`));
    const runs: Record<string, StepRun> = {};
    steps.forEach((s, i) => {
      runs[s.id] = i === 899 ? { state: 'failed', error: 'exit 1' } : done('ok', i === 0 ? 'the result' : '');
    });
    const text = summary(makeTask('failed', steps, runs));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Failed: "Ship it" — 999/1000 succeeded, 1 failed, 0 skipped');
    expect(lines.slice(1, 41).every((line, i) => line.startsWith(`  ${i + 1}. ✓ Step ${i + 1}`))).toBe(true);
    expect(lines[41]).toBe('  … 959 more step line(s) not shown: page through status with stepOffset, or read the task resource.');
    expect(lines[42]).toBe('  900. ✗ Step 900 — exit 1');
    expect(text).toContain('─── Result ───\nthe result');
    expect(text.length).toBeLessThan(5_000);
  });
});

describe('the plan text shows what will run', () => {
  it('adds the command under a step, one line, clipped at 200 chars', async () => {
    const steps: Step[] = await checked([
      { ...step('s1', 'Clean temp files'), action: 'shell', input: { command: 'rm -rf ./tmp' } },
      { ...step('s2', 'Long one'), action: 'shell', input: { command: `echo ${'x'.repeat(300)}` } },
      { ...step('s3', 'Two lines'), action: 'shell', input: { command: 'echo a\necho b' } },
      step('s4', 'No command'),
    ]);
    const lines = plan(makeTask('awaiting_approval', steps)).split('\n');
    expect(lines.slice(3, 10)).toEqual([
      '  1. Clean temp files (destructive — extra confirmation; raised: rm -r deletes recursively)',
      '     shell: rm -rf ./tmp',
      '  2. Long one',
      `     shell: echo ${'x'.repeat(194)}…`,
      '  3. Two lines',
      '     shell: echo a …',
      '  4. No command',
    ]);
  });
});
