/**
 * How planners spell tiers. Models write "Destructive", "HIGH", "read-only" or "network" as often
 * as the five names; each spelling that plainly means a tier counts as that tier, so a risk the
 * planner saw is never lost to its wording.
 */
import { TIERS, type Tier } from '../model.js';

const SYNONYMS: Readonly<Record<Tier, readonly string[]>> = {
  read: ['readonly', 'reads', 'low', 'safe', 'info', 'informational', 'none', 'minimal', 'lookup', 'view'],
  write: ['writes', 'medium', 'moderate', 'modify', 'modifies', 'edit', 'edits', 'change', 'update', 'local'],
  execute: ['exec', 'executes', 'execution', 'run', 'runs', 'command', 'commands', 'process'],
  destructive: [
    'destroy',
    'high',
    'dangerous',
    'danger',
    'critical',
    'irreversible',
    'delete',
    'deletes',
    'deletion',
    'remove',
    'risky',
    'unsafe',
    'severe',
  ],
  external: ['network', 'remote', 'internet', 'thirdparty', 'api', 'web', 'online', 'outside', 'publish', 'deploy'],
};

const BY_SPELLING: ReadonlyMap<string, Tier> = new Map(
  TIERS.flatMap((tier) => [tier, ...SYNONYMS[tier]].map((spelling) => [normalize(spelling), tier] as const)),
);

/** The tier a planner's text means, or undefined when it names none ("medium-high", "yes"). */
export function readTier(text: string): Tier | undefined {
  return BY_SPELLING.get(normalize(text));
}

/** The spellings accepted besides the five names, for error messages. */
export function tierSpellingHint(): string {
  return 'any case, or a plain synonym such as "high" (destructive), "read-only" (read) or "network" (external)';
}

/** "Read-Only", "read_only" and "READ ONLY risk" all become "readonly". */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s_-]+/g, '')
    .replace(/(risk|tier|level)$/, '');
}
