import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive } from '../helpers/bin.js';
import { afterEach, describe, expect, it } from 'vitest';
import { changedSince, snapshot } from '../../plugins/lib/workdir-snapshot.js';
import { finished, start, step, until } from '../engine-mcp/support.js';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agents');
const FIXTURES = { writes: 'writes.mjs', fails: 'fails.mjs', hangs: 'hangs.sh', env: 'env.mjs' } as const;
type Fixture = keyof typeof FIXTURES;

let current: Harness | undefined;
const scratch: string[] = [];
const started: number[] = [];

afterEach(async () => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  await current?.close();
  current = undefined;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory of fake agent CLIs, each a real executable named like the agent it plays. */
function agentsOnPath(agents: Record<string, Fixture>): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-agents-'));
  scratch.push(dir);
  for (const [name, fixture] of Object.entries(agents)) install(dir, name, fixture);
  return dir;
}

function install(dir: string, name: string, fixture: Fixture): string {
  const source = readFileSync(join(fixtures, FIXTURES[fixture]), 'utf8');
  const path = join(dir, name);
  // Point the shebang at this very node, so the fakes run even where `node` is not on PATH.
  writeFileSync(path, source.replace(/^#!\/usr\/bin\/env node\n/, `#!${process.execPath}\n`));
  chmodSync(path, 0o755);
  return path;
}

async function harness(implement: Record<string, unknown>): Promise<Harness> {
  current = await startHarness({ config: { pluginOptions: { implement } } });
  return current;
}

function planError(result: Awaited<ReturnType<Harness['call']>>): { message: string; details?: { field?: string } } {
  return (result.structuredContent as { error: { message: string; details?: { field?: string } } }).error;
}

async function pidFrom(path: string): Promise<number> {
  await expect.poll(() => existsSync(path) && readFileSync(path, 'utf8').trim() !== '').toBe(true);
  const pid = Number(readFileSync(path, 'utf8'));
  started.push(pid);
  return pid;
}

describe('implement: agents discovered on PATH', () => {
  it('runs a discovered claude with its argument template and lists the files it created or changed', async () => {
    const path = agentsOnPath({ claude: 'writes' });
    const h = await harness({ path });
    writeFileSync(join(h.dir, 'NOTES.md'), 'notes\n');
    writeFileSync(join(h.dir, 'README.md'), 'untouched\n');
    const planned = await start(h, 'docs', [{ description: 'Write docs', action: 'implement', spec: 'write the docs' }]);
    const task = await finished(h, planned.taskId);
    const s1 = step(task, 's1');
    expect(task.phase).toBe('completed');
    expect(s1.summary).toBe('claude: did: write the docs');
    expect(s1.outputs?.artifacts).toEqual([join(h.dir, 'NOTES.md'), join(h.dir, 'claude.txt')]);
    expect(JSON.parse(readFileSync(join(h.dir, 'claude.txt'), 'utf8'))).toEqual(['-p', 'write the docs']);
  });

  it('fills each known agent its own template (aider: --yes --message)', async () => {
    const path = agentsOnPath({ aider: 'writes' });
    const h = await harness({ path });
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'add a flag', agent: 'aider' }]);
    expect(step(await finished(h, planned.taskId), 's1').summary).toBe('aider: did: add a flag');
    expect(JSON.parse(readFileSync(join(h.dir, 'aider.txt'), 'utf8'))).toEqual(['--yes', '--message', 'add a flag']);
  });

  it('escalates a failing claude to the aider fallback and says so', async () => {
    const path = agentsOnPath({ claude: 'fails', aider: 'writes' });
    const h = await harness({ path, fallbacks: ['aider'] });
    const planned = await start(h, 'code', [{ description: 'Fix', action: 'implement', spec: 'fix the bug', agent: 'claude' }]);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('completed');
    expect(step(task, 's1').summary).toBe('claude failed; recovered via aider: did: fix the bug');
  });

  it('retries an agent that timed out via the fallback, after killing it', async () => {
    const bin = agentsOnPath({ aider: 'writes' });
    const hanging = install(bin, 'claude', 'hangs');
    const h = await harness({
      path: bin,
      fallbacks: ['aider'],
      agents: { claude: { command: hanging, args: ['-p', '{spec}'], timeoutSeconds: 0.3 } },
    });
    const planned = await start(h, 'code', [{ description: 'Fix', action: 'implement', spec: 'fix it', agent: 'claude' }]);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').summary).toBe('claude failed; recovered via aider: did: fix it');
    const pid = await pidFrom(join(h.dir, 'claude.pid'));
    await expect.poll(() => processAlive(pid)).toBe(false);
  });

  it('escalates a timeout to a human at once when retryOnTimeout is false; no fallback runs', async () => {
    const bin = agentsOnPath({ aider: 'writes' });
    const hanging = install(bin, 'claude', 'hangs');
    const h = await harness({
      path: bin,
      fallbacks: ['aider'],
      retryOnTimeout: false,
      agents: { claude: { command: hanging, args: ['-p', '{spec}'], timeoutSeconds: 0.3 } },
    });
    const planned = await start(h, 'code', [{ description: 'Fix', action: 'implement', spec: 'fix it', agent: 'claude' }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    expect(step(task, 's1').error).toBe("delegate 'claude' failed: `claude` was killed for taking too long.");
    expect(existsSync(join(h.dir, 'aider.txt'))).toBe(false);
    const pid = await pidFrom(join(h.dir, 'claude.pid'));
    await expect.poll(() => processAlive(pid)).toBe(false);
  });

  it('kills the running agent when the task is cancelled, and tries no fallback', async () => {
    const bin = agentsOnPath({ claude: 'hangs', aider: 'writes' });
    const h = await harness({ path: bin, fallbacks: ['aider'] });
    const planned = await start(h, 'code', [{ description: 'Fix', action: 'implement', spec: 'fix it', agent: 'claude' }]);
    const pid = await pidFrom(join(h.dir, 'claude.pid'));
    await h.ok('cancel', { taskId: planned.taskId });
    await expect.poll(() => processAlive(pid)).toBe(false);
    const task = await finished(h, planned.taskId);
    expect(task.phase).toBe('cancelled');
    expect(step(task, 's1').state).toBe('cancelled');
  });

  it('fails with the configuration hint when no agent is found or configured', async () => {
    const h = await harness({ path: agentsOnPath({}) });
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'add a flag' }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    expect(step(task, 's1').error).toBe(
      'No specialist agents are configured — install one (e.g. claude-code, aider, codex) on your PATH ' +
        'or add one under `plugins.implement.agents` in the config.',
    );
  });

  it('does not discover when discover is false', async () => {
    const h = await harness({ path: agentsOnPath({ claude: 'writes' }), discover: false });
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'add a flag' }]);
    const task = await until(h, planned.taskId, (t) => step(t, 's1').state === 'failed');
    expect(step(task, 's1').error).toContain('No specialist agents are configured');
  });

  it('registers only executable files: not directories, not files without the x bit', async () => {
    const path = agentsOnPath({ claude: 'writes' });
    mkdirSync(join(path, 'codex'));
    writeFileSync(join(path, 'gemini'), '#!/bin/sh\n', { mode: 0o644 });
    const h = await harness({ path: [join(path, 'missing-dir'), path].join(delimiter) });
    const result = await h.call('plan', { request: 'x', steps: [{ description: 'Code', action: 'implement', spec: 'y', agent: 'ghost' }] });
    expect(planError(result).message).toContain('Available agents: claude.');
  });

  it('rejects an unknown agent at plan time, listing configured and discovered agents', async () => {
    const path = agentsOnPath({ claude: 'writes', aider: 'writes' });
    const h = await harness({ path, agents: { stub: { command: 'stub-agent' } } });
    const result = await h.call('plan', {
      request: 'x',
      steps: [{ description: 'Code', action: 'implement', spec: 'y', agent: 'ghost-agent' }],
    });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    const error = planError(result);
    expect(error.details?.field).toBe('agent');
    expect(error.message).toContain('`ghost-agent` which is not registered');
    expect(error.message).toContain('Available agents: aider, claude, stub.');
  });

  it('accepts a discovered agent by alias (claude-code)', async () => {
    const h = await harness({ path: agentsOnPath({ claude: 'writes' }) });
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'go', agent: 'claude-code' }]);
    expect(step(await finished(h, planned.taskId), 's1').summary).toBe('claude: did: go');
  });

  it('rejects a configured default that is not registered, at plan time', async () => {
    const h = await harness({ path: agentsOnPath({ claude: 'writes' }), default: 'ghost' });
    const result = await h.call('plan', { request: 'x', steps: [{ description: 'Code', action: 'implement', spec: 'y' }] });
    expect(errorCode(result)).toBe('PLAN_INVALID');
    expect(planError(result).message).toContain('configured default agent `ghost` is not registered. Available agents: claude.');
  });
});

describe('implement: which agent "default" means', () => {
  async function defaultAgentSummary(implement: Record<string, unknown>): Promise<string | undefined> {
    const h = await harness(implement);
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'go' }]);
    return step(await finished(h, planned.taskId), 's1').summary;
  }

  it('is the first discovered agent in the order claude, codex, aider, gemini, opencode', async () => {
    expect(await defaultAgentSummary({ path: agentsOnPath({ opencode: 'writes', aider: 'writes', codex: 'writes' }) })).toBe(
      'codex: did: go',
    );
  });

  it('is the first configured agent over any discovered one', async () => {
    const bin = agentsOnPath({ claude: 'fails' });
    const mine = install(agentsOnPath({}), 'mine', 'writes');
    expect(await defaultAgentSummary({ path: bin, agents: { mine: { command: mine } } })).toBe('mine: did: go');
  });

  it('is options.default when set, even a discovered agent', async () => {
    expect(await defaultAgentSummary({ path: agentsOnPath({ claude: 'fails', gemini: 'writes' }), default: 'gemini' })).toBe(
      'gemini: did: go',
    );
  });

  it('is a configured agent in place of the discovered one of the same name', async () => {
    const bin = agentsOnPath({ claude: 'fails' });
    const configured = install(agentsOnPath({}), 'claude', 'writes');
    const h = await harness({ path: bin, agents: { claude: { command: configured, args: ['--from-config', '{spec}'] } } });
    const planned = await start(h, 'code', [{ description: 'Code', action: 'implement', spec: 'go', agent: 'claude' }]);
    expect(step(await finished(h, planned.taskId), 's1').summary).toBe('claude: did: go');
    expect(JSON.parse(readFileSync(join(h.dir, 'claude.txt'), 'utf8'))).toEqual(['--from-config', 'go']);
  });
});

describe('implement: which files count as artifacts', () => {
  it('sees files up to three levels deep, and never inside node_modules or .git', () => {
    const root = agentsOnPath({});
    for (const sub of ['a/b/c', 'node_modules/pkg', '.git']) mkdirSync(join(root, sub), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'kept.txt'), 'old');
    const before = snapshot(root);
    for (const file of ['top.txt', 'a/b/new.txt', 'a/b/c/too-deep.txt', 'node_modules/pkg/index.js', '.git/HEAD']) {
      writeFileSync(join(root, file), 'new');
    }
    writeFileSync(join(root, 'a', 'b', 'kept.txt'), 'changed');
    expect(changedSince(before, root)).toEqual([join(root, 'a', 'b', 'kept.txt'), join(root, 'a', 'b', 'new.txt'), join(root, 'top.txt')]);
  });
});

describe('implement: the agent environment', () => {
  it('starts agents from the minimal environment plus what their config names, never the server secrets', async () => {
    const bin = agentsOnPath({});
    const agent = install(bin, 'envagent', 'env');
    current = await startHarness({
      config: {
        environment: { PATH: process.env.PATH ?? '', AGENT_API_KEY: 'agent-key-998877', SERVER_SECRET_TOKEN: 'never-seen-1234' },
        pluginOptions: {
          implement: {
            discover: false,
            agents: { envagent: { command: agent, env: { AGENT_MODE: 'fast' }, envPassthrough: ['AGENT_API_KEY'] } },
          },
        },
      },
    });
    const planned = await start(current, 'env', [{ description: 'Record env', action: 'implement', spec: 'record', agent: 'envagent' }]);
    expect((await finished(current, planned.taskId)).phase).toBe('completed');
    const seen = JSON.parse(readFileSync(join(current.dir, 'envagent.env.json'), 'utf8')) as Record<string, string>;
    expect(seen['AGENT_MODE']).toBe('fast');
    expect(seen['AGENT_API_KEY']).toBe('agent-key-998877');
    expect(seen['SERVER_SECRET_TOKEN']).toBeUndefined();
    expect(seen['PATH']).toBeDefined();
  });
});
