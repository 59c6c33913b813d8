/** Shared by the governance tests: fake coding-agent CLIs on a search path, and the budget part of a task view. */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskViewT } from '../engine-mcp/support.js';

const AGENTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agents');

/** A folder of fake agent CLIs, each a real executable named like the agent it plays (`writes` or `fails`). */
export function agentsOnPath(agents: Record<string, 'writes' | 'fails'>, scratch: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrate-agents-'));
  scratch.push(dir);
  for (const [name, fixture] of Object.entries(agents)) {
    const source = readFileSync(join(AGENTS, `${fixture}.mjs`), 'utf8');
    const path = join(dir, name);
    // The shebang names this very node, so the fakes run where `node` is not on PATH.
    writeFileSync(path, source.replace(/^#!\/usr\/bin\/env node\n/, `#!${process.execPath}\n`));
    chmodSync(path, 0o755);
  }
  return dir;
}

export interface Amount {
  spent: number;
  limit?: number;
  left?: number;
}

export interface BudgetT {
  task: Record<'tokens' | 'wallSeconds' | 'delegations', Amount> & { reservedTokens: number };
  day: Record<'tokens' | 'wallSeconds' | 'delegations', Amount> & { date: string };
}

export function budgetOf(task: TaskViewT): BudgetT {
  return (task as TaskViewT & { budget: BudgetT }).budget;
}
