import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, start, step, until } from './support.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bin');
const agent = (script: string, name: string) => ({ command: process.execPath, args: [join(fixtures, script), '{spec}', name] });

/** Configured agents only: agent CLIs installed on this machine must not join the roster. */
function withAgents(implement: Record<string, unknown>): Partial<Config> {
  return { pluginOptions: { implement: { discover: false, ...implement } } };
}

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('implement', () => {
  it('dispatches the spec to the configured agent, which really runs and writes its file', async () => {
    h = await startHarness({ config: withAgents({ agents: { stub: agent('agent-ok.mjs', 'stub') } }) });
    const planned = await start(h, 'document the project', [
      { description: 'Write the docs', action: 'implement', spec: 'write a README', agent: 'stub' },
    ]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('stub: stubbed: write a README');
    expect(task.summaryText).toContain('Completed');
    expect(readFileSync(join(h.dir, 'NOTES.md'), 'utf8')).toBe('stub: write a README\n');
  });

  it('resolves "default" to the configured default agent', async () => {
    h = await startHarness({
      config: withAgents({
        default: 'second',
        agents: { first: agent('agent-fail.mjs', 'first'), second: agent('agent-ok.mjs', 'second') },
      }),
    });
    const planned = await start(h, 'notes', [{ description: 'Take notes', action: 'implement', spec: 'take notes' }]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').summary).toBe('second: stubbed: take notes');
  });

  it('fails the step with the configuration hint when no agent is configured', async () => {
    h = await startHarness({ config: withAgents({}) });
    const planned = await start(h, 'code', [{ description: 'Write code', action: 'implement', spec: 'add a flag' }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    expect(step(task, 's1').error).toContain('No specialist agents are configured');
  });

  it('rejects an unregistered agent at plan time, listing the roster', async () => {
    h = await startHarness({
      config: withAgents({ agents: { stub: agent('agent-ok.mjs', 'stub'), aider: agent('agent-ok.mjs', 'aider') } }),
    });
    const result = await h.call('plan', {
      request: 'x',
      steps: [{ description: 'Write code', action: 'implement', spec: 'y', agent: 'ghost-agent' }],
    });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    const message = (result.structuredContent as { error: { message: string } }).error.message;
    expect(message).toContain('ghost-agent');
    expect(message).toContain('not registered');
    expect(message).toContain('aider, stub');
  });

  it('escalates to a fallback agent when the primary fails, and says so', async () => {
    h = await startHarness({
      config: withAgents({
        fallbacks: ['broken', 'backup'],
        agents: { broken: agent('agent-fail.mjs', 'broken'), backup: agent('agent-ok.mjs', 'backup') },
      }),
    });
    const planned = await start(h, 'code', [{ description: 'Write code', action: 'implement', spec: 'fix the bug', agent: 'broken' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('broken failed; recovered via backup: stubbed: fix the bug');
  });

  it('escalates to a human when no fallback recovers', async () => {
    h = await startHarness({
      config: withAgents({
        fallbacks: ['also-broken'],
        agents: { broken: agent('agent-fail.mjs', 'broken'), 'also-broken': agent('agent-fail.mjs', 'x') },
      }),
    });
    const planned = await start(h, 'code', [{ description: 'Write code', action: 'implement', spec: 'fix it', agent: 'broken' }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    const error = step(task, 's1').error ?? '';
    expect(error).toContain("delegate 'broken' failed: exited with code 3: agent: could not make sense of the repository");
    expect(error).toContain('no fallback recovered');
  });

  it('treats an agent that cannot be launched as retryable and recovers via the fallback', async () => {
    h = await startHarness({
      config: withAgents({
        fallbacks: ['backup'],
        agents: { missing: { command: join(fixtures, 'no-such-agent') }, backup: agent('agent-ok.mjs', 'backup') },
      }),
    });
    const planned = await start(h, 'code', [{ description: 'Write code', action: 'implement', spec: 'ship', agent: 'missing' }]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').summary).toBe('missing failed; recovered via backup: stubbed: ship');
    expect(existsSync(join(h.dir, 'NOTES.md'))).toBe(true);
  });
});
