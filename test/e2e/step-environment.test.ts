/**
 * Steps run with a minimal environment, and secret values never leave the server unmasked: an
 * `env` step of the real bin shows neither the bearer token nor a cloud key, and a secret a step
 * prints reads *** in status, the task resource, the audit and the server's own log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../helpers/bin.js';

const TOKEN = 'orch-token-5f1d2c3b';
const AWS = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const CONFIGURED = 'configured-secret-7734';

let dir: string;
let server: SpawnedServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-env-'));
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function runToEnd(s: SpawnedServer, steps: unknown[]): Promise<Record<string, any>> {
  const planned = await s.ok('plan', { request: 'inspect the environment', steps });
  await s.ok('approve', { taskId: planned.taskId, planHash: planned.planHash });
  const { task } = await s.ok('status', { taskId: planned.taskId, waitUntil: 'terminal', timeoutSeconds: 30 });
  return task;
}

describe('step environment (real bin)', () => {
  it('gives steps PATH and HOME but not the server token or cloud keys', async () => {
    server = await spawnServer(['--db', join(dir, 'state.db')], {
      cwd: dir,
      env: { ORCHESTRATE_TOKEN: TOKEN, AWS_SECRET_ACCESS_KEY: AWS, HOME: dir },
    });
    const task = await runToEnd(server, [
      { description: 'Print the environment', action: 'shell', command: 'env' },
      {
        description: 'Print the key',
        action: 'shell',
        command: 'echo "key=[$AWS_SECRET_ACCESS_KEY] token=[$ORCHESTRATE_TOKEN]"',
        depends_on: [0],
      },
    ]);
    expect(task.phase).toBe('completed');
    const env = task.steps[0].outputs.stdout as string;
    expect(env).toMatch(/^PATH=/m);
    expect(env).toContain(`HOME=${dir}`);
    expect(env).not.toContain('ORCHESTRATE_TOKEN');
    expect(env).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(env).not.toContain(TOKEN);
    expect(env).not.toContain(AWS);
    expect(task.steps[1].outputs.stdout).toBe('key=[] token=[]\n');
  });

  it('masks a passed-through key and a configured secret in status, resources, audit and logs', async () => {
    const config = join(dir, 'config.json');
    // A client without sampling would wait for corrective steps; a short wait ends the failed task quickly.
    writeFileSync(
      config,
      JSON.stringify({ exec: { envPassthrough: ['AWS_SECRET_ACCESS_KEY'] }, secrets: [CONFIGURED], replan: { hostTimeoutSeconds: 1 } }),
    );
    server = await spawnServer(['--db', join(dir, 'state.db'), '--config', config, '--log-level', 'debug'], {
      cwd: dir,
      env: { AWS_SECRET_ACCESS_KEY: AWS },
    });
    const task = await runToEnd(server, [
      { description: 'Echo secrets', action: 'shell', command: `echo "key=$AWS_SECRET_ACCESS_KEY"; echo "mine=${CONFIGURED}"; exit 1` },
    ]);
    expect(task.phase).toBe('failed');
    const failed = task.steps[0];
    expect(failed.outputs.stdout).toBe('key=***\nmine=***\n');
    expect(failed.error).not.toContain(CONFIGURED);
    const shown = JSON.stringify(task);
    expect(shown).not.toContain(AWS);
    expect(shown).not.toContain(CONFIGURED);
    for (const uri of [`orchestrate://tasks/${task.id}`, `orchestrate://tasks/${task.id}/audit`]) {
      const text = JSON.stringify(await server.client.readResource({ uri }));
      expect(text).toContain('***');
      expect(text).not.toContain(AWS);
      expect(text).not.toContain(CONFIGURED);
    }
    expect(server.stderr()).toContain('Echo secrets');
    expect(server.stderr()).not.toContain(AWS);
    expect(server.stderr()).not.toContain(CONFIGURED);
  });
});
