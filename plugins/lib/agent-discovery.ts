import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A coding-agent CLI the implement plugin knows how to drive without configuration. */
export interface KnownAgent {
  name: string;
  /** Argument template; `{spec}` and `{workdir}` are filled in. */
  args: readonly string[];
  aliases: readonly string[];
}

/** In preference order: "default" falls to the first one found when nothing is configured. */
export const KNOWN_AGENTS: readonly KnownAgent[] = [
  { name: 'claude', args: ['-p', '{spec}'], aliases: ['claude-code'] },
  { name: 'codex', args: ['exec', '{spec}'], aliases: [] },
  { name: 'aider', args: ['--yes', '--message', '{spec}'], aliases: [] },
  { name: 'gemini', args: ['-p', '{spec}'], aliases: [] },
  { name: 'opencode', args: ['run', '{spec}'], aliases: [] },
];

export interface DiscoveredAgent extends KnownAgent {
  /** Absolute path of the executable, so the run does not depend on the child's PATH. */
  command: string;
}

/** The known agents with an executable on `searchPath` (a PATH-style list), in {@link KNOWN_AGENTS} order. */
export function discoverAgents(searchPath: string): DiscoveredAgent[] {
  // Empty PATH entries mean "the current directory" to a shell; never pick an agent up from there.
  const dirs = searchPath.split(delimiter).filter((dir) => dir !== '');
  const found: DiscoveredAgent[] = [];
  for (const agent of KNOWN_AGENTS) {
    const command = dirs.map((dir) => join(dir, agent.name)).find(isExecutableFile);
    if (command) found.push({ ...agent, command });
  }
  return found;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
