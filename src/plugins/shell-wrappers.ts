/**
 * What a command runs in turn: the command behind a wrapper (`sudo -u x rm …` runs `rm`), the
 * line given to `sh -c`, `su -c` or `eval`, the commands of `find -exec`. Options are skipped by
 * the table of each wrapper, so that `timeout -s KILL 10 dd …` is seen to run `dd`.
 */
import { basename } from 'node:path';

/** A command to read further: an argv (a wrapped command) or a whole line (`sh -c`). */
export type Inner = string[] | string;

interface Wrapper {
  /** Options that take the next word as their value. */
  values?: readonly string[];
  /** Words after the options that come before the command (`timeout 10 cmd`). */
  positional?: number;
  /** `NAME=value` words before the command are settings, not the command. */
  assignments?: boolean;
  /** Options that make it print instead of run (`command -v rm`). */
  lookups?: readonly string[];
}

const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  env: { values: ['-u', '--unset', '-C', '--chdir'], assignments: true },
  sudo: {
    values: [
      '-u',
      '--user',
      '-g',
      '--group',
      '-h',
      '--host',
      '-p',
      '--prompt',
      '-C',
      '--close-from',
      '-D',
      '--chdir',
      '-r',
      '--role',
      '-t',
      '--type',
      '-U',
      '--other-user',
      '-T',
      '--command-timeout',
      '-R',
      '--chroot',
    ],
    assignments: true,
    lookups: ['-l', '--list', '-v', '--validate', '-k', '-K', '-e', '--edit'],
  },
  doas: { values: ['-u', '-C'] },
  nohup: {},
  setsid: {},
  builtin: {},
  unbuffer: {},
  time: { values: ['-f', '--format', '-o', '--output'] },
  timeout: { values: ['-s', '--signal', '-k', '--kill-after'], positional: 1 },
  nice: { values: ['-n', '--adjustment'] },
  ionice: { values: ['-c', '--class', '-n', '--classdata', '-p', '--pid', '-P', '--pgid', '-u', '--uid'] },
  stdbuf: { values: ['-i', '--input', '-o', '--output', '-e', '--error'] },
  taskset: { positional: 1 },
  chroot: { values: ['--userspec', '--groups'], positional: 1 },
  exec: { values: ['-a'] },
  command: { lookups: ['-v', '-V'] },
  busybox: {},
  xargs: {
    values: [
      '-a',
      '--arg-file',
      '-d',
      '--delimiter',
      '-E',
      '-I',
      '-L',
      '--max-lines',
      '-n',
      '--max-args',
      '-P',
      '--max-procs',
      '-s',
      '--max-chars',
    ],
  },
};

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish']);
const SHELL_VALUES = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
/** Words that open or close a compound command; the command proper follows them. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac']);
/** Compound-command headers that run nothing themselves (`for f in *`, `case $x in`). */
const HEADERS = new Set(['for', 'case', 'select', 'function', 'in']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The words of a simple command without leading keywords and `NAME=value` settings. */
export function stripKeywords(words: readonly string[]): string[] {
  let start = 0;
  while (start < words.length && (KEYWORDS.has(words[start] ?? '') || ASSIGNMENT.test(words[start] ?? ''))) start += 1;
  const rest = words.slice(start);
  return HEADERS.has(rest[0] ?? '') ? [] : rest;
}

/** What `argv` runs besides itself. */
export function innerCommands(argv: readonly string[]): Inner[] {
  const program = basename(argv[0] ?? '');
  const args = argv.slice(1);
  const wrapper = WRAPPERS[program];
  if (wrapper) return wrapped(program, args, wrapper);
  if (SHELLS.has(program)) return shellLine(args);
  if (program === 'su') return optionLine(args, ['-c', '--command']);
  if (program === 'eval') return args.length > 0 ? [args.join(' ')] : [];
  if (program === 'find') return findExec(args);
  return [];
}

function wrapped(program: string, args: string[], wrapper: Wrapper): Inner[] {
  const values = new Set(wrapper.values ?? []);
  const lookups = new Set(wrapper.lookups ?? []);
  let at = 0;
  while (at < args.length) {
    const arg = args[at] ?? '';
    // `env -S 'cmd args'` splits its value into the command line.
    if (program === 'env' && /^(-S|--split-string)/.test(arg)) return [splitLine(arg, args.slice(at + 1))];
    if (arg === '--') {
      at += 1;
      break;
    }
    if (wrapper.assignments && ASSIGNMENT.test(arg)) at += 1;
    else if (!arg.startsWith('-') || arg === '-') break;
    else if (lookups.has(arg)) return [];
    else at += values.has(arg) ? 2 : 1;
  }
  const command = args.slice(at + (wrapper.positional ?? 0));
  return command.length > 0 ? [command] : [];
}

/** The line `env -S` runs: its value (`-S 'cmd a'`, `-S'cmd a'`, `--split-string=…`) and any words after it. */
function splitLine(option: string, rest: string[]): string {
  if (option === '-S' || option === '--split-string') return rest.join(' ');
  const value = option.startsWith('--') ? option.slice(option.indexOf('=') + 1) : option.slice(2);
  return [value, ...rest].join(' ');
}

/** `sh -c 'line'`, also written `bash -lc`, `sh -e -c`, `bash --norc -c`. */
function shellLine(args: string[]): Inner[] {
  let command = false;
  for (let at = 0; at < args.length; at += 1) {
    const arg = args[at] ?? '';
    if (arg === '--' || arg === '-') return command && args[at + 1] !== undefined ? [args[at + 1] as string] : [];
    if (SHELL_VALUES.has(arg)) at += 1;
    else if (/^[-+][A-Za-z]+$/.test(arg)) command ||= arg.startsWith('-') && arg.includes('c');
    else if (!arg.startsWith('--')) return command ? [arg] : [];
  }
  return [];
}

/** The value of the first of `names`, written `-c value`, `-cvalue` or `--command=value`. */
function optionLine(args: string[], names: readonly string[]): Inner[] {
  for (let at = 0; at < args.length; at += 1) {
    const arg = args[at] ?? '';
    for (const name of names) {
      if (arg === name && args[at + 1] !== undefined) return [args[at + 1] as string];
      if (name.startsWith('--') && arg.startsWith(`${name}=`)) return [arg.slice(name.length + 1)];
      if (!name.startsWith('--') && arg.startsWith(name) && arg.length > name.length) return [arg.slice(name.length)];
    }
  }
  return [];
}

/** `find … -exec cmd args {} ;` runs `cmd args …` for each file. */
function findExec(args: string[]): Inner[] {
  const commands: Inner[] = [];
  for (let at = 0; at < args.length; at += 1) {
    if (!FIND_EXEC.has(args[at] ?? '')) continue;
    const start = at + 1;
    while (at + 1 < args.length && args[at + 1] !== ';' && args[at + 1] !== '+') at += 1;
    const command = args.slice(start, at + 1);
    if (command.length > 0) commands.push(command);
  }
  return commands;
}
