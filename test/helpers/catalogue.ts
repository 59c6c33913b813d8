import { basename } from 'node:path';
import type { ActionCatalogue, ActionInfo, InputCheck, PlannerInfo } from '../../src/engine/catalogue.js';
import { builtinPlugins } from '../../src/plugins/builtins.js';
import type { Tier } from '../../src/engine/model.js';
import { OrchestrateError } from '../../src/errors.js';
import { CommandParseError, parseCommand } from '../../src/plugins/command.js';
import { commandTier } from '../../src/plugins/command-risk.js';

interface TestAction {
  info: ActionInfo;
  fields: string[];
  required: string[];
}

function action(name: string, tier: Tier, fields: string[], required: string[], fromDescription?: string): TestAction {
  const properties = Object.fromEntries(fields.map((field) => [field, { type: 'string', description: `the ${field}` }]));
  const inputSchema = { type: 'object', properties, required, additionalProperties: false };
  const effects = builtinPlugins().find((plugin) => plugin.name === name)?.effects ?? 'side-effecting';
  const info: ActionInfo = {
    name,
    description: `Runs ${name}.`,
    tier,
    inputSchema,
    planner: builtinPlanner(name),
    effects,
    effectsMayLower: false,
  };
  if (fromDescription) info.fromDescription = fromDescription;
  return { info, fields, required };
}

const ACTIONS: TestAction[] = [
  action('research', 'read', ['query'], ['query'], 'query'),
  action('plan', 'read', ['output'], ['output']),
  action('implement', 'write', ['spec', 'agent'], ['spec'], 'spec'),
  action('execute', 'execute', ['command', 'workdir'], ['command']),
  action('test', 'execute', ['command', 'workdir'], ['command']),
  action('shell', 'execute', ['command', 'workdir'], ['command']),
  action('review', 'read', ['artifact'], ['artifact'], 'artifact'),
  action('notify', 'read', ['channel', 'message'], ['message'], 'message'),
];

/** The planner metadata of the built-in action of that name (none for other names). */
export function builtinPlanner(name: string): PlannerInfo {
  const planner = builtinPlugins().find((plugin) => plugin.name === name)?.planner ?? {};
  return {
    hints: planner.hints ?? [],
    repairHints: planner.repairHints ?? [],
    consumesPriorOutput: planner.consumesPriorOutput === true,
    ...(planner.untypedStepField ? { untypedStepField: planner.untypedStepField } : {}),
    fieldAliases: planner.fieldAliases ?? {},
  };
}

/** A hand-written stand-in for the plugin registry: schema-ish checks plus the plan-time rules of the built-in actions. */
export function testCatalogue(options: { allowlist?: string[]; agents?: string[] } = {}): ActionCatalogue {
  const byName = new Map(ACTIONS.map((entry) => [entry.info.name, entry]));
  return {
    has: (name) => byName.has(name),
    info: (name) => byName.get(name)?.info,
    list: () => ACTIONS.map((entry) => entry.info),
    checkInput: async (name, input) => {
      const entry = byName.get(name);
      if (!entry) return { ok: false, problems: [`action: unknown action ${name}`] };
      return checkInput(entry, input, options);
    },
    contextLines: () =>
      options.agents && options.agents.length > 0
        ? [`Agents for implement steps (agent MUST be exactly one of these): ${options.agents.join(', ')}`]
        : [],
  };
}

/** Like the built-in command actions: a shell, execute or test step runs its `command`. */
function commandsOf(name: string, input: Record<string, unknown>): string[] {
  const command = input['command'];
  return ['shell', 'execute', 'test'].includes(name) && typeof command === 'string' && command.trim() !== '' ? [command.trim()] : [];
}

function checkInput(entry: TestAction, input: Record<string, unknown>, options: { allowlist?: string[]; agents?: string[] }): InputCheck {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (!entry.fields.includes(key)) problems.push(`${key}: unknown field`);
    else if (typeof value !== 'string') problems.push(`${key}: expected a string, got ${typeof value}`);
  }
  for (const field of entry.required) {
    const value = input[field];
    if (typeof value !== 'string' || !value.trim()) problems.push(`${field}: required and must not be empty`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const checked = { ...input };
  if (typeof checked['command'] === 'string') checked['command'] = checked['command'].trim();
  const name = entry.info.name;
  const command = String(checked['command']);
  if (name === 'execute' || name === 'test') problems.push(...argvProblems(command, options.allowlist ?? []));
  if (name === 'implement') problems.push(...agentProblems(checked['agent'], options.agents ?? []));
  if (problems.length > 0) return { ok: false, problems };
  const commands = commandsOf(name, checked);
  return { ok: true, input: checked, commands, required: commandTier(commands, entry.info.tier) };
}

function argvProblems(command: string, allowlist: string[]): string[] {
  try {
    const binary = basename(parseCommand(command).argv[0] ?? '');
    if (allowlist.length === 0 || allowlist.includes(binary)) return [];
    return [
      `command: calls \`${binary}\` which is not on the sandbox allowlist. Allowed binaries: ${allowlist.join(', ')}. Switch to action "shell" or re-plan.`,
    ];
  } catch (error) {
    if (!(error instanceof CommandParseError)) throw error;
    return [`command: ${error.message} Use action "shell" for shell syntax.`];
  }
}

function agentProblems(agent: unknown, roster: string[]): string[] {
  const name = typeof agent === 'string' ? agent.trim() : '';
  if (roster.length === 0 || name === '' || name === 'default' || roster.includes(name)) return [];
  return [`agent: delegates to agent \`${name}\` which is not registered. Available agents: ${[...roster].sort().join(', ')}`];
}

/** The OrchestrateError an async call rejects with (fails the test when it resolves or rejects with something else). */
export async function rejectionAsync(run: () => Promise<unknown>): Promise<OrchestrateError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof OrchestrateError) return error;
    throw error;
  }
  throw new Error('expected an OrchestrateError');
}

/** The OrchestrateError a call throws (fails the test when it throws nothing or something else). */
export function rejection(run: () => unknown): OrchestrateError {
  try {
    run();
  } catch (error) {
    if (error instanceof OrchestrateError) return error;
    throw error;
  }
  throw new Error('expected an OrchestrateError');
}
