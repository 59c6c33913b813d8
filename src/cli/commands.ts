import { auditVerifyCommand } from './audit-verify.js';
import type { CliCommand } from './command.js';

/** The subcommands, in the order `--help` lists them. Serving (no subcommand) is the default. */
export const COMMANDS: readonly CliCommand[] = [auditVerifyCommand];
