import { z } from 'zod';
import { ActionError, definePlugin, findForbidden } from '../src/plugins/api.js';
import { stderrTail } from './execute.js';

/** Runs a command line through `sh -c`: pipes, redirects and && chains allowed. */
export default definePlugin({
  apiVersion: 1,
  name: 'shell',
  description: 'Runs a shell command line with `sh -c` (pipes, redirects, && allowed) in the task working directory.',
  tier: 'execute',
  // A command line may change anything: after a crash a person decides whether it runs again. A
  // plan may say a step's command is safe to repeat (a build, a check); the plan shows it.
  effects: 'side-effecting',
  effectsMayLower: true,
  planner: {
    hints: ['Prefer "shell" for commands: it runs through sh -c, so pipes, redirects and && work.'],
    repairHints: ['A command that failed as a single binary may work as "shell" (pipes, redirects, &&), or with a different binary.'],
    consumesPriorOutput: true,
  },
  input: z.object({
    command: z.string().describe('The shell command line'),
    workdir: z.string().optional().describe('Working directory; defaults to the task working directory'),
  }),
  commands(input) {
    return [input.command.trim()];
  },
  check(input, ctx) {
    if (input.command.trim() === '') return ['command: a shell step needs a non-empty command'];
    const found = findForbidden(input.command, ctx.forbidden ?? []);
    if (found === undefined) return [];
    if ('unreadable' in found)
      return [`command: could not be checked for forbidden binaries (${found.unreadable}); simplify the command line`];
    return [
      `command: runs \`${found.program}\`, which \`exec.forbidden\` forbids in every step, including inside pipelines, \`sh -c\` and \`$( )\``,
    ];
  },
  async run(input, ctx) {
    const command = input.command.trim();
    if (!command) throw new Error('Empty shell command');
    const result = await ctx.exec({ mode: 'shell', command, ...(input.workdir ? { cwd: input.workdir } : {}) });
    if (result.exitCode !== 0) {
      throw new ActionError(`Shell command failed (exit ${result.exitCode}): ${command}${stderrTail(result.stderr)}`, {
        result,
        retryable: true,
      });
    }
    return {
      summary: `Shell command succeeded: ${command}`,
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      truncated: result.truncated,
    };
  },
});
