/**
 * The command classifier: the tier a step's command lines need at least, and why. A step's tier
 * is raised to it whatever its planner wrote, so a shell step that deletes a tree or force-pushes
 * asks a human first.
 */
import type { RequiredTier } from '../engine/catalogue.js';
import { TIERS, type Tier } from '../engine/model.js';
import { commandFindings, type Finding } from './command-rules.js';
import { ShellLineError, shellCommands } from './shell-line.js';

/** What the programs of one command line risk, each reason once. */
export function lineFindings(line: string): Finding[] {
  let commands;
  try {
    commands = shellCommands(line);
  } catch (error) {
    if (!(error instanceof ShellLineError)) throw error;
    return [{ tier: 'destructive', reason: `the command line could not be checked: ${error.message}` }];
  }
  return unique(commands.flatMap(commandFindings));
}

/** The tier `lines` need, starting from `floor` (the action's tier); reasons only for what is above it. */
export function commandTier(lines: readonly string[], floor: Tier): RequiredTier {
  const above = unique(lines.flatMap(lineFindings)).filter((finding) => rank(finding.tier) > rank(floor));
  // Highest tier first: the reason that decided the tier leads.
  above.sort((a, b) => rank(b.tier) - rank(a.tier));
  return { tier: above[0]?.tier ?? floor, reasons: above.map((finding) => finding.reason) };
}

function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => !seen.has(finding.reason) && seen.add(finding.reason));
}

function rank(tier: Tier): number {
  return TIERS.indexOf(tier);
}
