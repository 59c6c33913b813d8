import { appendFile, writeFile } from 'node:fs/promises';
import { ExecError } from './api.js';

/** Writes a command's stdout where its trailing `> path` / `>> path` pointed. */
export async function writeRedirect(path: string, stdout: string, append: boolean): Promise<void> {
  try {
    if (append) await appendFile(path, stdout);
    else await writeFile(path, stdout);
  } catch (error) {
    throw new ExecError('redirect', `Redirect to ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
