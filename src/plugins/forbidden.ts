/**
 * `exec.forbidden`: programs no step may run. A command line is searched through and through —
 * every command of a list or pipeline, behind wrappers, in `sh -c` and substitutions — so that
 * `echo hi && dd …` or `sudo mkfs …` is refused like a bare `dd`.
 */
import { basename } from 'node:path';
import { ShellLineError, argvCommands, shellCommands, type ShellCommand } from './shell-line.js';

/** The forbidden program a command runs, or why it could not be checked. */
export type ForbiddenMatch = { program: string } | { unreadable: string };

/** Checks a shell command line. */
export function findForbidden(line: string, forbidden: readonly string[]): ForbiddenMatch | undefined {
  return forbidden.length === 0 ? undefined : search(() => shellCommands(line), forbidden);
}

/** Checks a command already split into words (argv mode), including what it wraps. */
export function findForbiddenArgv(argv: readonly string[], forbidden: readonly string[]): ForbiddenMatch | undefined {
  return forbidden.length === 0 ? undefined : search(() => argvCommands(argv), forbidden);
}

/** `mkfs` forbids `mkfs.ext4` too: variants share the name before the dot. */
export function isForbidden(program: string, forbidden: readonly string[]): boolean {
  const name = basename(program);
  return forbidden.some((entry) => name === entry || name.startsWith(`${entry}.`));
}

function search(read: () => ShellCommand[], forbidden: readonly string[]): ForbiddenMatch | undefined {
  let commands: ShellCommand[];
  try {
    commands = read();
  } catch (error) {
    if (error instanceof ShellLineError) return { unreadable: error.message };
    throw error;
  }
  const hit = commands.find((command) => isForbidden(command.argv[0] ?? '', forbidden));
  return hit ? { program: basename(hit.argv[0] ?? '') } : undefined;
}
