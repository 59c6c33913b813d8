import { isTypeScriptEntry, pluginEntries } from '../plugin-files.js';
import { prestartHosts } from './spawn.js';

/**
 * Starts one plugin host per plugin entry of `dirs` before the server loads its own modules, so the
 * two start side by side. Node built-ins only. A folder it cannot list is left for the server's
 * start to report, with the same listing.
 */
export function prestartPluginHosts(dirs: readonly string[]): void {
  let files: string[];
  try {
    files = dirs.flatMap((dir) => pluginEntries(dir));
  } catch {
    return;
  }
  if (files.length > 0) prestartHosts(files.length, { typescript: files.some(isTypeScriptEntry) });
}
