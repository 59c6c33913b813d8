import type { CliCommand, CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { SERVE_HELP } from './serve-help.js';
import { packageVersion } from '../version.js';
import { wantsServer } from './wants-server.js';

/**
 * Dispatches the bin's arguments: `--help`, `--version`, or a subcommand (`tasks`, `show`, …).
 * Resolves to an exit code, or to `'serve'` when the arguments are for the server itself (flags
 * only), which the entry module then starts.
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<number | 'serve'> {
  const [first, second] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout(mainHelp(commands));
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (wantsServer(argv) || first === undefined) return 'serve';
  const command = commands.find((c) => c.name === `${first} ${second}`) ?? commands.find((c) => c.name === first);
  if (!command) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      io.stderr(`orchestrate-mcp ${first}: name one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}\n`);
      return 2;
    }
    io.stderr(`orchestrate-mcp: unknown command "${first}". Run \`orchestrate-mcp --help\` for the list.\n`);
    return 2;
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  return command.run(args, io);
}

function mainHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n');
  return [
    `orchestrate-mcp ${packageVersion()} — an MCP server that plans, gets approval for, runs and reports multi-step work.`,
    '',
    'Usage:',
    '  orchestrate-mcp [flags]              serve MCP (stdio by default)',
    '  orchestrate-mcp <command> [options]  work on the task database without an MCP client',
    '',
    SERVE_HELP,
    ...(commands.length > 0 ? ['', 'Commands (each takes --help):', list] : []),
    '',
    'Also: --help, --version.',
    '',
  ].join('\n');
}
