/** Help and version are answered by the command line even though they look like flags. */
const ANSWERED_BY_CLI = new Set(['--help', '-h', 'help', '--version', '-v', 'version']);

/** True when the arguments are for the server itself (none, or flags only); else they name a command, help or the version. */
export function wantsServer(argv: readonly string[]): boolean {
  const [first] = argv;
  return first === undefined || (first.startsWith('-') && !ANSWERED_BY_CLI.has(first));
}
