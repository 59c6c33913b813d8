import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_DEPTH = 3;
const MAX_ENTRIES = 200;
const SKIPPED = new Set(['node_modules', '.git']);
const CLOCK_SLACK_MS = 1_000;

/** Size and mtime of the files near the top of a directory: enough to see what a run touched, cheaply. */
export interface Snapshot {
  files: Map<string, string>;
  /** False when the walk stopped at the entry cap, so an unseen file is not necessarily new. */
  complete: boolean;
  takenAt: number;
}

export function snapshot(root: string): Snapshot {
  const files = new Map<string, string>();
  const takenAt = Date.now();
  const complete = walk(root, 1, files);
  return { files, complete, takenAt };
}

/** Absolute paths of the files created or modified since `before` was taken, sorted. */
export function changedSince(before: Snapshot, root: string): string[] {
  const after = snapshot(root).files;
  const changed: string[] = [];
  for (const [path, signature] of after) {
    const previous = before.files.get(path);
    if (previous === signature) continue;
    // Past the cap, "not seen before" may only mean "not reached before": trust the mtime instead
    // (with slack, as file timestamps come from a coarser clock than Date.now()).
    if (previous === undefined && !before.complete && mtimeOf(signature) < before.takenAt - CLOCK_SLACK_MS) continue;
    changed.push(path);
  }
  return changed.sort();
}

/** Records a directory's files before descending into its subdirectories; false when it stopped at the cap. */
function walk(dir: string, depth: number, files: Map<string, string>): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return true;
  }
  const subdirs: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH && !SKIPPED.has(entry.name)) subdirs.push(path);
      continue;
    }
    if (!entry.isFile()) continue;
    if (files.size >= MAX_ENTRIES) return false;
    try {
      const stat = statSync(path);
      files.set(path, `${stat.mtimeMs}:${stat.size}`);
    } catch {
      // Gone between readdir and stat.
    }
  }
  return subdirs.every((sub) => walk(sub, depth + 1, files));
}

function mtimeOf(signature: string): number {
  return Number(signature.slice(0, signature.indexOf(':')));
}
