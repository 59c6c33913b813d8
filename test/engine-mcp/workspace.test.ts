/**
 * The client's workspace (MCP roots) decides where steps run: the first root by default, shown in
 * the plan and covered by its hash; a requested workdir must lie inside a root or exec.allowedPaths.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode, startHarness, type Harness } from '../helpers/harness.js';
import { finished, plan, start, step } from './support.js';

let h: Harness | undefined;
let project: string;
let other: string;
beforeEach(() => {
  project = realpathSync(mkdtempSync(join(tmpdir(), 'orchestrate-root-')));
  other = realpathSync(mkdtempSync(join(tmpdir(), 'orchestrate-elsewhere-')));
  mkdirSync(join(project, 'packages', 'api'), { recursive: true });
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  rmSync(project, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

const rootsOf =
  (...dirs: string[]) =>
  () =>
    dirs.map((d, i) => ({ uri: pathToFileURL(d).href, name: `root ${i}` }));

describe('working directory from the client roots', () => {
  it('runs steps in the first root and names it in the plan text', async () => {
    h = await startHarness({ roots: rootsOf(project, other) });
    const planned = await start(h, 'where am I', [{ description: 'Print the directory', action: 'shell', command: 'pwd' }]);
    expect(planned.planText).toContain(`Working directory: ${project}`);
    const task = await finished(h, planned.taskId);
    expect(step(task, 's1').outputs?.stdout.trim()).toBe(project);
  });

  it('accepts a workdir inside a root and refuses one outside every root with PLAN_INVALID', async () => {
    h = await startHarness({ roots: rootsOf(project) });
    const inside = join(project, 'packages', 'api');
    const planned = await plan(h, 'sub', [{ description: 'Where', action: 'shell', command: 'pwd' }]);
    const sub = await h.ok('plan', {
      request: 'sub',
      context: { workdir: inside },
      steps: [{ description: 'Where', action: 'shell', command: 'pwd' }],
    });
    expect(sub.planText).toContain(`Working directory: ${inside}`);
    expect(sub.planHash).not.toBe(planned.planHash);
    const refused = await h.call('plan', {
      request: 'escape',
      context: { workdir: other },
      steps: [{ description: 'Where', action: 'shell', command: 'pwd' }],
    });
    expect(refused.isError).toBe(true);
    expect(errorCode(refused)).toBe('PLAN_INVALID');
    expect(JSON.stringify(refused.content)).toContain(other);
  });

  it('allows a workdir under exec.allowedPaths even when it is outside the roots', async () => {
    h = await startHarness({
      roots: rootsOf(project),
      config: {
        exec: {
          forbidden: [],
          envPassthrough: [],
          env: { PATH: process.env.PATH ?? '' },
          allowedPaths: [other],
          timeoutMs: 10_000,
          maxOutputBytes: 1 << 20,
        },
      },
    });
    const planned = await start(h, 'allowed', [{ description: 'Where', action: 'shell', command: 'pwd' }]);
    expect((await finished(h, planned.taskId)).phase).toBe('completed');
    const elsewhere = await h.ok('plan', {
      request: 'allowed',
      context: { workdir: other },
      steps: [{ description: 'Where', action: 'shell', command: 'pwd' }],
    });
    expect(elsewhere.planText).toContain(`Working directory: ${other}`);
  });

  it('follows roots/list_changed: the next plan runs in the new first root', async () => {
    let current = [project];
    h = await startHarness({ roots: () => current.map((d) => ({ uri: pathToFileURL(d).href })) });
    const first = await plan(h, 'one', [{ description: 'Where', action: 'shell', command: 'pwd' }]);
    expect(first.planText).toContain(`Working directory: ${project}`);
    current = [other];
    await h.client.sendRootsListChanged();
    await expect
      .poll(async () => (await plan(h!, 'two', [{ description: 'Where', action: 'shell', command: 'pwd' }])).planText)
      .toContain(`Working directory: ${other}`);
  });

  it('without roots keeps the server default working directory and shows it', async () => {
    h = await startHarness();
    const planned = await plan(h, 'default', [{ description: 'Where', action: 'shell', command: 'pwd' }]);
    expect(planned.planText).toContain(`Working directory: ${h.dir}`);
  });
});
