/** What a subcommand writes to and reads from; the entry module passes the process's own streams. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths are resolved against. */
  cwd: string;
}

/**
 * One subcommand of the bin (`orchestrate-mcp <name> …`). `run` gets the arguments after the name
 * and resolves to the process exit code: 0 done, 1 failed, 2 bad usage.
 */
export interface CliCommand {
  /** One or two words, e.g. "tasks" or "audit verify". */
  name: string;
  /** One line for the command list of `--help`. */
  summary: string;
  /** The full help of this command (usage line, options, an example), printed by `<name> --help`. */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Prints a usage problem and the command's help hint; the exit code for bad usage. */
export function usageError(io: CliIo, command: string, problem: string): number {
  io.stderr(`orchestrate-mcp ${command}: ${problem}\nRun \`orchestrate-mcp ${command} --help\` for usage.\n`);
  return 2;
}
