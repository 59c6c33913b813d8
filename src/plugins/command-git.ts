/**
 * What a `git` command line risks: rewriting or deleting history (local or remote) is destructive,
 * talking to a remote is external.
 */
import type { Tier } from '../engine/model.js';

interface Finding {
  tier: Tier;
  reason: string;
}

/** Global options before the subcommand that take the next word (`git -C dir push`). */
const GLOBAL_VALUES = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--super-prefix', '--config-env']);
const REMOTE = new Set(['push', 'pull', 'fetch', 'clone', 'ls-remote']);
const PUSH_VALUES = new Set(['-o', '--push-option', '--repo', '--receive-pack', '--exec']);

type Rule = (args: string[]) => string | undefined;

const HISTORY: Readonly<Record<string, Rule>> = {
  push: pushRewrite,
  reset: (args) => (args.includes('--hard') ? 'git reset --hard discards uncommitted changes' : undefined),
  rebase: (args) =>
    args.some((arg) => ['--abort', '--quit', '--show-current-patch', '--edit-todo'].includes(arg))
      ? undefined
      : 'git rebase rewrites history',
  'filter-branch': () => 'git filter-branch rewrites history',
  'filter-repo': () => 'git filter-repo rewrites history',
  commit: (args) => (args.includes('--amend') ? 'git commit --amend rewrites the last commit' : undefined),
  branch: (args) =>
    shortFlag(args, 'D') || ((shortFlag(args, 'd') || args.includes('--delete')) && (shortFlag(args, 'f') || args.includes('--force')))
      ? 'git branch -D deletes a branch even if it is not merged'
      : undefined,
  clean: (args) =>
    (shortFlag(args, 'f') || args.includes('--force')) && !(shortFlag(args, 'n') || args.includes('--dry-run'))
      ? 'git clean -f deletes untracked files'
      : undefined,
  stash: (args) => (args[0] === 'drop' || args[0] === 'clear' ? `git stash ${args[0]} discards stashed changes` : undefined),
  reflog: (args) => (args[0] === 'expire' || args[0] === 'delete' ? `git reflog ${args[0]} drops recovery points` : undefined),
};

export function gitFindings(args: readonly string[]): Finding[] {
  const at = subcommandIndex(args);
  const subcommand = args[at];
  if (subcommand === undefined) return [];
  const rest = args.slice(at + 1);
  const findings: Finding[] = [];
  const rewrite = HISTORY[subcommand]?.(rest);
  if (rewrite) findings.push({ tier: 'destructive', reason: rewrite });
  if (REMOTE.has(subcommand)) findings.push({ tier: 'external', reason: `git ${subcommand} reaches a remote repository` });
  return findings;
}

function subcommandIndex(args: readonly string[]): number {
  let at = 0;
  while (at < args.length) {
    const arg = args[at] ?? '';
    if (!arg.startsWith('-')) return at;
    at += GLOBAL_VALUES.has(arg) ? 2 : 1;
  }
  return at;
}

function pushRewrite(args: string[]): string | undefined {
  const positional: string[] = [];
  let force = false;
  let remove = false;
  for (let at = 0; at < args.length; at += 1) {
    const arg = args[at] ?? '';
    if (PUSH_VALUES.has(arg)) at += 1;
    else if (arg === '--force' || arg.startsWith('--force-with-lease') || arg === '--force-if-includes' || arg === '--mirror') force = true;
    else if (arg === '--delete' || arg === '--prune') remove = true;
    else if (/^-[A-Za-z]+$/.test(arg)) {
      force ||= arg.includes('f');
      remove ||= arg.includes('d');
    } else if (!arg.startsWith('-')) positional.push(arg);
  }
  // After the remote, `+ref` force-pushes that ref and `:ref` deletes it.
  const refspecs = positional.slice(1);
  force ||= refspecs.some((ref) => ref.startsWith('+'));
  remove ||= refspecs.some((ref) => ref.startsWith(':') && ref.length > 1);
  if (force) return 'git push --force overwrites remote history';
  if (remove) return 'git push --delete deletes remote branches';
  return undefined;
}

/** A short option in any group before `--`: `-D`, `-fd`, `-xdf`. */
export function shortFlag(args: readonly string[], letter: string): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (/^-[A-Za-z]+$/.test(arg) && arg.includes(letter)) return true;
  }
  return false;
}
