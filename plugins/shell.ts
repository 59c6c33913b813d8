import { z } from 'zod';
import { ActionError, definePlugin } from '../src/plugins/api.js';
import { stderrTail } from './execute.js';

/** Runs a command line through `sh -c`: pipes, redirects and && chains allowed. */
export default definePlugin({
  apiVersion: 1,
  name: 'shell',
  description: 'Runs a shell command line with `sh -c` (pipes, redirects, && allowed) in the task working directory.',
  tier: 'execute',
  input: z.object({
    command: z.string().describe('The shell command line'),
    workdir: z.string().optional().describe('Working directory; defaults to the task working directory'),
  }),
  check(input) {
    return input.command.trim() === '' ? ['command: a shell step needs a non-empty command'] : [];
  },
  async run(input, ctx) {
    const command = input.command.trim();
    if (!command) throw new Error('Empty shell command');
    const result = await ctx.exec({ mode: 'shell', command, ...(input.workdir ? { cwd: input.workdir } : {}) });
    if (result.exitCode !== 0) {
      throw new ActionError(`Shell command failed (exit ${result.exitCode}): ${command}${stderrTail(result.stderr)}`, { result });
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
