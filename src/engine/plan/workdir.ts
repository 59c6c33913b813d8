import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { OrchestrateError } from '../../errors.js';

/** Where a task's steps run, and the folders they may work in. */
export interface Workspace {
  workdir: string;
  /** The client's workspace roots when it announced any (MCP roots), as directory paths. */
  roots?: string[];
}

/**
 * Decides a task's working directory. The client's workspace decides the default: its first root
 * (MCP `roots/list`) when it has one on this machine, else the server's default. A requested
 * directory must be an existing absolute path, inside a root or an `exec.allowedPaths` entry when
 * there are any.
 */
export function resolveWorkspace(
  requested: string | undefined,
  roots: readonly string[] | undefined,
  options: { defaultWorkdir: string; allowedPaths?: readonly string[] },
): Workspace {
  const usable = roots?.filter(isDirectory);
  const withRoots = roots && roots.length > 0 ? { roots: [...roots] } : {};
  if (requested === undefined) return { workdir: usable?.[0] ?? options.defaultWorkdir, ...withRoots };
  if (!isAbsolute(requested) || !isDirectory(requested)) {
    throw new OrchestrateError('INVALID_ARGUMENT', `context.workdir must be an absolute path to an existing directory: ${requested}`, {
      details: { field: 'context.workdir' },
    });
  }
  const workdir = resolve(requested);
  const allowed = [...(roots ?? []), ...(options.allowedPaths ?? [])];
  if (allowed.length > 0 && !allowed.some((root) => isInside(workdir, resolve(root)))) {
    throw new OrchestrateError(
      'PLAN_INVALID',
      `context.workdir ${workdir} is outside the client's workspace roots and exec.allowedPaths (${allowed.join(', ')}).`,
      {
        details: { field: 'context.workdir', workdir, allowed },
        hint: 'Use a directory inside one of the workspace roots, or add the path under exec.allowedPaths in the server config.',
      },
    );
  }
  return { workdir, ...withRoots };
}

/** The folders commands of a task may run in: the configured ones and the client's roots. */
export function allowedPathsOf(roots: readonly string[] | undefined, configured: readonly string[] | undefined): string[] | undefined {
  if (!roots?.length) return configured ? [...configured] : undefined;
  return [...(configured ?? []), ...roots];
}

export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function isDirectory(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isDirectory();
  } catch {
    return false;
  }
}
