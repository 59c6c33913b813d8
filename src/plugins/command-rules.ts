/**
 * The rules that raise a command's tier: what deletes or overwrites beyond undo is destructive,
 * what reaches another machine is external. Each rule names the program and says why, for the
 * plan a human approves. A rule errs towards raising: a human confirms one step too many rather
 * than one too few.
 */
import { basename } from 'node:path';
import type { Tier } from '../engine/model.js';
import { gitFindings, shortFlag } from './command-git.js';
import type { ShellCommand } from './shell-line.js';

/** Why one command needs at least `tier`. */
export interface Finding {
  tier: Tier;
  reason: string;
}

type Rule = (program: string, args: string[]) => Finding[];

const destructive = (reason: string): Finding[] => [{ tier: 'destructive', reason }];
const external = (reason: string): Finding[] => [{ tier: 'external', reason }];

const FORMATTERS = ['mkfs', 'mke2fs', 'mkswap', 'mkdosfs', 'mkntfs', 'newfs'];
const PARTITIONERS = ['fdisk', 'sfdisk', 'cfdisk', 'gdisk', 'sgdisk', 'parted'];
const NETWORK = [
  'curl',
  'wget',
  'ssh',
  'scp',
  'sftp',
  'nc',
  'ncat',
  'netcat',
  'telnet',
  'ftp',
  'lftp',
  'socat',
  'aria2c',
  'http',
  'https',
  'xh',
  'mosh',
];
const CLOUD = ['gh', 'aws', 'gcloud', 'az', 'kubectl', 'helm'];
const PUBLISHERS: Readonly<Record<string, readonly string[]>> = {
  npm: ['publish', 'unpublish', 'deprecate'],
  pnpm: ['publish'],
  yarn: ['publish', 'npm'],
  cargo: ['publish', 'yank'],
  twine: ['upload'],
  gem: ['push', 'yank'],
  poetry: ['publish'],
  docker: ['push', 'pull', 'login'],
  podman: ['push', 'pull', 'login'],
  terraform: ['apply', 'destroy', 'import'],
};
const DOWNLOADERS = new Set(['curl', 'wget', 'aria2c', 'http', 'https', 'xh', 'fetch']);
const INTERPRETERS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'source',
  '.',
  'eval',
  'python',
  'python3',
  'perl',
  'ruby',
  'node',
  'php',
]);
const RAW_DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|md\d|dm-|mapper\/)/;

const RULES: Readonly<Record<string, Rule>> = {
  rm: (_, args) =>
    shortFlag(args, 'r') || shortFlag(args, 'R') || beforeEnd(args).includes('--recursive') ? destructive('rm -r deletes recursively') : [],
  find: (_, args) => (args.includes('-delete') ? destructive('find -delete deletes files') : []),
  shred: () => destructive('shred overwrites files beyond recovery'),
  wipe: () => destructive('wipe overwrites files beyond recovery'),
  srm: () => destructive('srm overwrites files beyond recovery'),
  dd: (_, args) => (args.some((arg) => arg.startsWith('of=')) ? destructive('dd of=… overwrites its target with raw data') : []),
  wipefs: () => destructive('wipefs erases filesystem signatures'),
  blkdiscard: () => destructive('blkdiscard discards every block of a device'),
  rsync: (_, args) => (args.some(isRemotePath) ? external('rsync copies to or from another host') : []),
  git: (_, args) => gitFindings(args),
  ...Object.fromEntries(PARTITIONERS.map((name) => [name, () => destructive(`${name} changes disk partitions`)])),
  ...Object.fromEntries(NETWORK.map((name) => [name, () => external(`${name} reaches the network`)])),
  ...Object.fromEntries(CLOUD.map((name) => [name, () => external(`${name} calls a remote service`)])),
  ...Object.fromEntries(
    Object.entries(PUBLISHERS).map(([name, subcommands]) => [
      name,
      (_: string, args: string[]) => {
        const sub = args.find((arg) => !arg.startsWith('-'));
        return sub !== undefined && subcommands.includes(sub) ? external(`${name} ${sub} reaches a registry or remote service`) : [];
      },
    ]),
  ),
};

/** Everything one command risks, including what it is fed and where it writes. */
export function commandFindings(command: ShellCommand): Finding[] {
  const program = basename(command.argv[0] ?? '');
  const args = command.argv.slice(1);
  const findings = [...(RULES[program]?.(program, args) ?? [])];
  if (FORMATTERS.some((name) => program === name || program.startsWith(`${name}.`))) {
    findings.push(...destructive(`${program} formats a filesystem`));
  }
  const download = command.inputs.find((input) => DOWNLOADERS.has(input));
  if (download && INTERPRETERS.has(program)) {
    findings.push(...external(`${program} runs a script that ${download} downloads`));
  }
  const device = command.writes.find((target) => RAW_DEVICE.test(target));
  if (device) findings.push(...destructive(`> ${device} overwrites a disk device`));
  return findings;
}

/** `host:path`, `user@host:path` or `rsync://…`, but not a local path that merely holds a colon. */
function isRemotePath(arg: string): boolean {
  if (arg.startsWith('-')) return false;
  return arg.startsWith('rsync://') || /^[^/:]+:/.test(arg);
}

function beforeEnd(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}
