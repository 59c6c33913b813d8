import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = fileURLToPath(new URL('../../dist/demo/demo.js', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled demo as a real subprocess (npm test builds first, through pretest). */
function runDemo(): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo, '--cleanup'], { cwd: root, timeout: 55_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo', () => {
  it('plays plan → approval → a failing step → replan → report against the real server and exits 0', async () => {
    expect(existsSync(demo), 'dist/demo/demo.js is missing: run `npm run build`').toBe(true);
    const { code, stdout, stderr } = await runDemo();
    expect(code, `demo exited ${code}\n${stdout}\n${stderr}`).toBe(0);

    // The plan text returned by `plan`, after the decomposition was sampled.
    expect(stdout).toContain('sampling/createMessage from the server: decompose the request');
    expect(stdout).toContain(`Task plan for: "Check this project's TypeScript setup and report what you find"`);
    expect(stdout).toContain('5. Confirm the tsconfig.strict.json that the typecheck:ci script uses exists (after #4)');
    // The human's approval.
    expect(stdout).toMatch(/→ approve \{ taskId: "[0-9a-f-]{36}", planHash: "/);
    expect(stdout).toContain('approved: decision approve');
    // Live progress, the step that fails on purpose, and the research step sampling mid-run.
    expect(stdout).toMatch(/✓ s1\s+completed Shell command succeeded: ls -la/);
    expect(stdout).toContain('sampling/createMessage from the running research step');
    expect(stdout).toMatch(/✗ s5\s+failed/);
    expect(stdout).toContain('Shell command failed (exit 1): test -f tsconfig.strict.json');
    // The replan: the repair request arrives, corrective steps are added and run.
    expect(stdout).toContain('sampling/createMessage from the server: the repair planner prompt');
    expect(stdout).toContain('+ s8 added by the replan');
    expect(stdout).toMatch(/✓ s10\s+completed Notified via mcp/);
    expect(stdout).toContain('notification to you');
    // The final report and where the state lives.
    expect(stdout).toContain(
      `Failed: "Check this project's TypeScript setup and report what you find" — 8/10 succeeded, 1 failed, 1 skipped`,
    );
    expect(stdout).toContain('The original step s5 failed; corrective steps s8, s9, s10 ran.');
    expect(stdout).toMatch(/everything lives in one SQLite file: .*state\.db/);
    expect(stdout).toContain('with phase failed, 8/10 steps completed');
    expect(stdout).toContain('✓ The demo ran as scripted.');
    // Piped output carries no colour codes.
    expect(stdout).not.toContain('\u001b[');
  }, 60_000);
});
