import { approveCommand } from './approve.js';
import { auditVerifyCommand } from './audit-verify.js';
import { cancelCommand } from './cancel.js';
import type { CliCommand } from './command.js';
import { doctorCommand } from './doctor.js';
import { initPluginCommand } from './init-plugin.js';
import { pluginsCheckCommand } from './plugins-check.js';
import { runnerStatusCommand } from './runner-status.js';
import { runnerStopCommand } from './runner-stop.js';
import { showCommand } from './show.js';
import { tasksCommand } from './tasks.js';

/** The subcommands, in the order `--help` lists them. Serving (no subcommand) is the default. */
export const COMMANDS: readonly CliCommand[] = [
  tasksCommand,
  showCommand,
  approveCommand,
  cancelCommand,
  auditVerifyCommand,
  pluginsCheckCommand,
  doctorCommand,
  initPluginCommand,
  runnerStatusCommand,
  runnerStopCommand,
];
