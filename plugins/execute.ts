import { z } from 'zod';
import { ActionError, CommandParseError, definePlugin, parseCommand, type ActionPlugin, type Effects } from '../src/plugins/api.js';

const commandInput = z.object({
  command: z.string().describe('One binary with literal arguments (no pipes or substitutions); may end in `> path`'),
  workdir: z.string().optional().describe('Working directory; defaults to the task working directory'),
});

/** The last five stderr lines, as a suffix for a failure message (empty when stderr is blank). */
export function stderrTail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-5).join('\n');
  return lines.trim() === '' ? '' : `\nstderr: ${lines}`;
}

/** An action that runs one binary directly (no shell), under the exec allowlist. */
export function argvCommandPlugin(name: string, description: string, effects: Effects): ActionPlugin<z.infer<typeof commandInput>> {
  return definePlugin({
    apiVersion: 1,
    name,
    description,
    tier: 'execute',
    effects,
    // A plan may say a step's command is safe to repeat; the plan shows it to the approver.
    effectsMayLower: true,
    planner: {
      hints: [
        'Use "execute" or "test" only for one binary with literal arguments: no pipes, ;, &&, <, backticks or $( ). A single trailing "> path" is allowed.',
      ],
      repairHints: ['"execute" and "test" run a single binary without shell metacharacters.'],
      consumesPriorOutput: true,
    },
    input: commandInput,
    commands(input) {
      return [input.command.trim()];
    },
    check(input, ctx) {
      if (input.command.trim() === '') {
        return [`command: the step is action "${name}" but has no command — the LLM produced an unrunnable plan`];
      }
      let argv: string[];
      try {
        argv = parseCommand(input.command).argv;
      } catch (error) {
        const message = error instanceof CommandParseError ? error.message : String(error);
        return [`command: ${message} Use action "shell" for shell syntax.`];
      }
      const bin = (argv[0] ?? '').split('/').pop() ?? '';
      if (ctx.allowlist && !ctx.allowlist.includes(bin)) {
        return [
          `command: calls \`${bin}\` which is not on the sandbox allowlist. Allowed binaries: ${ctx.allowlist.join(', ')}. ` +
            `Either re-plan with an allowed binary, switch to action "shell", or add \`${bin}\` to \`exec.allowlist\`.`,
        ];
      }
      return [];
    },
    async run(input, ctx) {
      const result = await ctx.exec({ mode: 'argv', command: input.command, ...(input.workdir ? { cwd: input.workdir } : {}) });
      if (result.exitCode !== 0) {
        // The output of a failing command (which test failed, and why) stays with the step.
        // A failed command may pass on another attempt (a flaky test, a busy port) when the step asks for retries.
        throw new ActionError(`Command failed (exit ${result.exitCode}): ${input.command}${stderrTail(result.stderr)}`, {
          result,
          retryable: true,
        });
      }
      return {
        summary: `Command succeeded: ${input.command}`,
        stdout: result.stdout,
        stderr: result.stderr,
        exitCode: result.exitCode,
        truncated: result.truncated,
        ...(result.redirectedTo ? { artifacts: [result.redirectedTo] } : {}),
      };
    },
  });
}

export default argvCommandPlugin(
  'execute',
  'Runs one binary with literal arguments directly (no shell), e.g. `node build.js`; a trailing `> file` saves stdout.',
  'side-effecting',
);
