import type { CliCommand } from './command.js';
import { runnerStatusCommand } from './runner-status.js';
import { runnerStopCommand } from './runner-stop.js';

/** The subcommands, in the order `--help` lists them. Serving (no subcommand) is the default. */
export const COMMANDS: readonly CliCommand[] = [runnerStatusCommand, runnerStopCommand];
