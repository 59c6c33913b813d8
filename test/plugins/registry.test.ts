import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type ActionPlugin } from '../../src/plugins/api.js';
import { builtinPlugins } from '../../src/plugins/builtins.js';
import { PluginRegistry, type RegistryOptions } from '../../src/plugins/registry.js';

/** A read-tier action that declares the command lines it runs, as a third-party plugin may. */
const deployer = definePlugin({
  apiVersion: 1,
  name: 'deployer',
  description: 'Deploys by running its script lines.',
  tier: 'read',
  input: z.object({ target: z.string() }),
  commands: (input) => [`rsync -a dist/ ${input.target}:/srv/app`, 'echo deployed'],
  run: async () => ({ summary: 'deployed' }),
});

const broken = definePlugin({
  apiVersion: 1,
  name: 'broken',
  description: 'Cannot list its commands.',
  tier: 'write',
  input: z.object({}),
  commands: () => {
    throw new Error('no idea');
  },
  run: async () => ({ summary: 'x' }),
});

function registry(options: Partial<RegistryOptions> = {}): PluginRegistry {
  const plugins = [...builtinPlugins(), deployer, broken] as ActionPlugin<unknown>[];
  return new PluginRegistry(
    plugins.map((plugin) => ({ plugin, file: 'test' })),
    { pluginOptions: {}, ...options },
  );
}

describe('PluginRegistry.checkInput: command lines', () => {
  const commandsOf = async (action: string, input: Record<string, unknown>) => {
    const result = await registry().checkInput(action, input);
    return result.ok ? result.commands : result.problems;
  };

  it('asks the plugin for the command lines of a step', async () => {
    expect(await commandsOf('shell', { command: '  ls | wc -l ' })).toEqual(['ls | wc -l']);
    expect(await commandsOf('execute', { command: 'node build.js' })).toEqual(['node build.js']);
    expect(await commandsOf('test', { command: 'npm test' })).toEqual(['npm test']);
    expect(await commandsOf('deployer', { target: 'web1' })).toEqual(['rsync -a dist/ web1:/srv/app', 'echo deployed']);
  });

  it('lists none for actions without the hook, and none when the hook throws (the tier then says why)', async () => {
    expect(await commandsOf('research', { query: 'rm -rf /' })).toEqual([]);
    const broken = await registry().checkInput('broken', {});
    expect(broken).toMatchObject({ ok: true, commands: [], required: { tier: 'destructive' } });
    expect(await registry().checkInput('missing', {})).toMatchObject({ ok: false });
  });
});

describe('PluginRegistry.requiredTier', () => {
  it("is the action's own tier when its commands need no more", () => {
    expect(registry().requiredTier('shell', { command: 'ls' })).toEqual({ tier: 'execute', reasons: [] });
    expect(registry().requiredTier('research', { query: 'how to git push --force' })).toEqual({ tier: 'read', reasons: [] });
  });

  it('is raised by what the command lines do, for built-in and third-party actions alike', () => {
    expect(registry().requiredTier('shell', { command: 'rm -rf build' })).toEqual({
      tier: 'destructive',
      reasons: ['rm -r deletes recursively'],
    });
    expect(registry().requiredTier('test', { command: 'git push -f' })).toEqual({
      tier: 'external',
      reasons: ['git push reaches a remote repository', 'git push --force overwrites remote history'],
    });
    expect(registry().requiredTier('deployer', { target: 'web1' })).toEqual({
      tier: 'external',
      reasons: ['rsync copies to or from another host'],
    });
  });

  it('is destructive when the commands cannot be listed or the action is unknown', () => {
    expect(registry().requiredTier('broken', {})).toEqual({
      tier: 'destructive',
      reasons: ['its command lines could not be listed: no idea'],
    });
    expect(registry().requiredTier('missing', {}).tier).toBe('destructive');
  });
});

describe('PluginRegistry.checkInput: forbidden binaries in shell lines', () => {
  const forbidden = ['dd', 'mkfs', 'shutdown', 'reboot'];

  it.each([`sh -c 'dd if=/dev/zero of=x'`, 'echo hi && dd if=/dev/zero of=x', 'echo $(mkfs /dev/sda)', 'sudo reboot'])(
    'refuses %j',
    async (command) => {
      const result = await registry({ forbidden }).checkInput('shell', { command });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems[0]).toMatch(/^command: runs `(dd|mkfs|reboot)`, which `exec.forbidden` forbids in every step/);
    },
  );

  it('accepts lines that only mention a forbidden name, and anything when nothing is forbidden', async () => {
    expect((await registry({ forbidden }).checkInput('shell', { command: 'echo dd && grep mkfs notes.txt' })).ok).toBe(true);
    expect((await registry().checkInput('shell', { command: 'dd if=/dev/zero of=x' })).ok).toBe(true);
  });

  it('refuses a line nested too deeply to check', async () => {
    let command = 'ls';
    for (let i = 0; i < 10; i += 1) command = `sh -c ${JSON.stringify(command)}`;
    const result = await registry({ forbidden }).checkInput('shell', { command });
    expect(!result.ok && result.problems[0]).toMatch(/^command: could not be checked for forbidden binaries/);
  });
});
