/**
 * A step result is checked before it is stored, for hosted and in-process plugins alike: undefined,
 * a cycle, a BigInt, a function in an ActionError's result fail the step with PLUGIN_RESULT_INVALID
 * and the task ends instead of staying `executing`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionPlugin } from '../../src/plugins/api.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { finished, start, step } from '../engine-mcp/support.js';
import { hosted } from './host-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const QUICK_FAIL = { hostReplanTimeoutMs: 100 };

function inProcess(name: string, run: () => Promise<unknown>): ActionPlugin<unknown> {
  return { apiVersion: 1, name, description: `The ${name} action.`, tier: 'read', input: { type: 'object' }, run: run as never };
}

async function failureOf(harness: Harness, action: string): Promise<string | undefined> {
  const planned = await start(harness, `run ${action}`, [{ description: `Run ${action}`, action }]);
  const task = await finished(harness, planned.taskId);
  expect(task.phase).toBe('failed');
  expect(step(task, 's1').state).toBe('failed');
  return step(task, 's1').error;
}

describe('results of hosted plugins', () => {
  it('fails steps whose results cannot be stored with PLUGIN_RESULT_INVALID, saying what is wrong', async () => {
    h = await startHarness({ plugins: await hosted('host-results'), config: QUICK_FAIL });
    expect(await failureOf(h, 'returns_undefined')).toMatch(
      /^PLUGIN_RESULT_INVALID: the returns_undefined plugin returned an invalid result: it is undefined; it must be \{ summary: string, … \}$/,
    );
    expect(await failureOf(h, 'cyclic')).toMatch(
      /^PLUGIN_RESULT_INVALID: .*data\.children\[0\]\.parent refers back to an object that contains it \(a cycle\)/,
    );
    expect(await failureOf(h, 'bigint')).toMatch(/^PLUGIN_RESULT_INVALID: .*data\.bytes is a BigInt/);
    expect(await failureOf(h, 'bad_failure')).toMatch(
      /^PLUGIN_RESULT_INVALID: the bad_failure plugin failed \(the build broke\) with an invalid result: data\.retry is a function/,
    );
  });
});

describe('results of in-process plugins', () => {
  it('applies the same check to plugins running in the server', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    h = await startHarness({
      config: QUICK_FAIL,
      plugins: [
        inProcess('nothing', async () => undefined),
        inProcess('loop', async () => ({ summary: 'loop', data: cycle })),
        inProcess('huge', async () => ({ summary: 'huge', data: [1n] })),
        inProcess('unsummarised', async () => ({ summary: 42 })),
        inProcess('listed', async () => ({ summary: 'files', artifacts: ['a.txt', 7] })),
      ],
    });
    expect(await failureOf(h, 'nothing')).toMatch(/^PLUGIN_RESULT_INVALID: the nothing plugin returned an invalid result: it is undefined/);
    expect(await failureOf(h, 'loop')).toMatch(/data\.self refers back/);
    expect(await failureOf(h, 'huge')).toMatch(/data\[0\] is a BigInt/);
    expect(await failureOf(h, 'unsummarised')).toMatch(/summary must be a string, not a number/);
    expect(await failureOf(h, 'listed')).toMatch(/artifacts\[1\] must be a string, not a number/);
  });

  it('stores a result with optional fields left undefined and dates in its data', async () => {
    h = await startHarness({
      plugins: [inProcess('tidy', async () => ({ summary: 'tidy', stdout: undefined, data: { at: new Date(0), note: undefined } }))],
    });
    const planned = await start(h, 'tidy', [{ description: 'Tidy', action: 'tidy' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').outputs?.data).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
