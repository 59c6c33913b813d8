/**
 * A failing command keeps what it printed: stdout and stderr stay in the step's outputs, the
 * report and the replan prompt, so the user and the repair planner see which test failed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { DECLINE, finished, routedLlm, start, step, until, userText } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FAILING_SUITE = [
  'echo "RUN  v4.1.0"',
  'echo " ✓ adds (1 test)"',
  'echo " ✗ multiplies"',
  'echo "   expected 2, got 3"',
  'echo "Tests  1 failed | 1 passed" >&2',
  'exit 1',
].join('; ');

describe('failing steps keep their output', () => {
  it('shows the failing line of an npm-test-like shell step in status, the report and the replan prompt', async () => {
    const llm = routedLlm({ repair: [DECLINE] });
    h = await startHarness({ llm });
    const planned = await start(h, 'run the tests', [{ description: 'Run the test suite', action: 'shell', command: FAILING_SUITE }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('failed');
    const failed = step(task, 's1');
    expect(failed.state).toBe('failed');
    expect(failed.outputs?.stdout).toContain('expected 2, got 3');
    expect(failed.outputs?.stderr).toContain('Tests  1 failed');
    expect(failed.outputs?.exitCode).toBe(1);
    expect(task.summaryText).toContain('expected 2, got 3');
    const repair = llm.requests.find((r) => userText(r).includes('Failed step: Run the test suite'));
    expect(repair).toBeDefined();
    expect(userText(repair!)).toContain('expected 2, got 3');
    expect(userText(repair!)).toContain('Last output of the failed step');
  });

  it('keeps the output of a failing argv test command too, and says when it was cut', async () => {
    h = await startHarness({
      config: {
        exec: { forbidden: [], envPassthrough: [], env: { PATH: process.env.PATH ?? '' }, timeoutMs: 10_000, maxOutputBytes: 2_048 },
      },
    });
    const script = join(h.dir, 'suite.mjs');
    writeFileSync(script, "console.log('x'.repeat(5000)); console.log('expected 2, got 3'); process.exit(3);\n");
    const planned = await start(h, 'test', [{ description: 'Run tests', action: 'test', command: `node ${script}` }]);
    // Without sampling the task then waits for corrective steps; the failed step is what matters here.
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    const failed = step(task, 's1');
    expect(failed.error).toMatch(/^Command failed \(exit 3\)/);
    expect(failed.outputs?.exitCode).toBe(3);
    expect(failed.outputs?.truncated).toBe(true);
    expect(failed.outputs?.stdout).toContain('output truncated at 2048 bytes');
  });
});
