/**
 * The planner prompts. The action list comes from the loaded catalogue, so an LLM only plans with
 * actions that exist and sees the input fields each one takes.
 */
import type { ActionCatalogue, ActionInfo } from '../catalogue.js';
import { TIERS } from '../model.js';
import type { Episode, EpisodeStep } from '../governance/ports.js';

export interface PlannerPrompt {
  systemPrompt: string;
  userMessage: string;
}

export interface DecomposePromptOptions {
  catalogue: ActionCatalogue;
  facts?: string[];
  allowlist?: string[];
  /** Past tasks like this one (episodic memory), most relevant first. */
  episodes?: readonly Episode[];
}

export interface RepairRequest {
  originalRequest: string;
  failedStep: string;
  error: string;
  completed: { description: string; outputExcerpt: string }[];
  /** The last lines of the failed step's stdout and stderr, when it kept them. */
  outputTail?: string;
}

export type RepairPromptOptions = Omit<DecomposePromptOptions, 'facts'>;

const JSON_ONLY = 'Return ONLY valid JSON (an array of objects). No markdown.';
const RECAP_LIMIT = 1_500;
/** Characters the past tasks may take in a prompt, heading included. */
const PAST_LIMIT = 1_500;
const PAST_HEADING =
  'Past similar tasks on this server (learn from them: do not plan again what failed the same way; build on what recovered it):';

const STEP_FORMAT = `Output a JSON array of step objects. Each step has:
- "description": what the step does, in one sentence a human can approve.
- "action": the name of one available action, exactly as listed.
- "input": an object with the action's input fields (you may instead write them directly on the step, e.g. "command": "ls").
- "depends_on": 0-based indices of earlier steps that must succeed first ([] for none).
- "tier": "read", "write", "execute", "destructive" or "external".
- "estimated_tokens": LLM tokens the step will spend (0 for steps that call no LLM).`;

const TIER_GUIDE = `Tiers:
- read: looks at or reports information (telling the user about the task is read too).
- write: stores facts or edits local files and state.
- execute: runs sandboxed commands, builds or tests.
- destructive: cannot be undone: deleting data, force-pushing, dropping tables.
- external: reaches third parties: outside APIs, deploys, public posts.`;

export function buildDecomposePrompt(request: string, options: DecomposePromptOptions): PlannerPrompt {
  const facts = (options.facts ?? []).filter((fact) => fact.trim() !== '');
  const sections = [`Decompose this request into steps:\n\n"${request}"`];
  if (facts.length > 0) {
    sections.push(`Relevant project context (treat as ground truth):\n${facts.map((fact) => `- ${fact}`).join('\n')}`);
  }
  sections.push(...pastTasksSection(options.episodes ?? []));
  sections.push(...rosterSections(options, 'every command of an action that runs one binary without a shell must start with one of these'));
  return { systemPrompt: decomposeSystemPrompt(options.catalogue), userMessage: sections.join('\n\n') };
}

export function buildRepairPrompt(repair: RepairRequest, options: RepairPromptOptions): PlannerPrompt {
  const done = repair.completed.length === 0 ? '(nothing yet)' : repair.completed.map((step) => recapLines(step)).join('\n');
  const sections = [
    `Original request: "${repair.originalRequest}"`,
    `What already succeeded (do NOT redo):\n${done}`,
    `Failed step: ${repair.failedStep}\nActual error: ${repair.error}` +
      (repair.outputTail ? `\nLast output of the failed step:\n${repair.outputTail}` : ''),
    ...pastTasksSection(options.episodes ?? []),
    ...rosterSections(options, 'commands run through a shell are not limited by this list'),
  ];
  return { systemPrompt: repairSystemPrompt(options.catalogue), userMessage: sections.join('\n\n') };
}

/** A completed step's stdout as shown to the repair planner: enough to build on, never the whole log. */
export function recapExcerpt(stdout: string): string {
  const trimmed = stdout.trim();
  return trimmed.length > RECAP_LIMIT ? `${trimmed.slice(0, RECAP_LIMIT)}\n…[truncated]` : trimmed;
}

/** JSON Schema of a StepDraft array, for hosts that write the plan themselves. */
export function stepDraftJsonSchema(catalogue: ActionCatalogue): Record<string, unknown> {
  const actions = catalogue.list();
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'array',
    minItems: 1,
    maxItems: 1000,
    items: {
      type: 'object',
      required: ['description', 'action'],
      properties: {
        description: { type: 'string', minLength: 1, description: 'What the step does, in one sentence a human approves.' },
        action: { type: 'string', enum: actions.map((info) => info.name), description: 'The action that runs the step.' },
        input: { type: 'object', description: "The action's input; its fields may also be written flat on the step." },
        depends_on: {
          type: 'array',
          items: { type: 'integer', minimum: 0 },
          description: '0-based indices of earlier steps that must succeed first.',
        },
        tier: {
          type: 'string',
          enum: [...TIERS],
          description:
            "Risk tier; defaults to the action's tier, and is raised when the step's commands need more (rm -r, git push --force, curl).",
        },
        estimated_tokens: { type: 'integer', minimum: 0, description: 'LLM tokens the step will spend (0 if none).' },
      },
      allOf: actions.map(inputRule),
    },
  };
}

function inputRule(info: ActionInfo): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = info.inputSchema;
  return { if: { properties: { action: { const: info.name } } }, then: { properties: { input: schema } } };
}

function recapLines(step: RepairRequest['completed'][number]): string {
  const output = step.outputExcerpt.trim();
  if (!output) return `- ${step.description}\n  (no stdout)`;
  const lines = output.split('\n').map((line) => `    ${line}`);
  return `- ${step.description}\n  stdout:\n${lines.join('\n')}`;
}

/** Past tasks like this one, each on a line, within {@link PAST_LIMIT} characters; nothing when there are none. */
export function pastTasksSection(episodes: readonly Episode[]): string[] {
  const lines: string[] = [];
  let used = PAST_HEADING.length;
  for (const episode of episodes) {
    const room = PAST_LIMIT - used - 1;
    if (room < 80) break;
    const line = episodeLine(lines.length + 1, episode);
    const kept = line.length > room ? `${line.slice(0, room - 1)}…` : line;
    lines.push(kept);
    used += kept.length + 1;
  }
  return lines.length === 0 ? [] : [`${PAST_HEADING}\n${lines.join('\n')}`];
}

function episodeLine(n: number, episode: Episode): string {
  const step = (s: EpisodeStep) => `"${s.description}" (${s.action})`;
  const parts = [`${n}. "${episode.request}" — ${episode.outcome}. Plan: ${episode.plan.map((s) => s.action).join(' → ')}.`];
  if (episode.failures.length > 0)
    parts.push(`Failed: ${episode.failures.map((s) => `${step(s)}: ${s.error ?? 'no error text'}`).join('; ')}.`);
  if (episode.recoveredBy.length > 0) parts.push(`Recovered by: ${episode.recoveredBy.map(step).join('; ')}.`);
  else if (episode.failures.length > 0) parts.push('Nothing recovered it.');
  if (episode.note) parts.push(`Stopped: ${episode.note}.`);
  if (episode.agents.length > 0) parts.push(`Agents: ${episode.agents.join(', ')}.`);
  return parts.join(' ');
}

function rosterSections(options: RepairPromptOptions, allowlistNote: string): string[] {
  const sections: string[] = [];
  if (options.allowlist && options.allowlist.length > 0) {
    sections.push(`Available sandbox binaries (${allowlistNote}): ${options.allowlist.join(', ')}`);
  }
  sections.push(...options.catalogue.contextLines());
  return sections;
}

/** The planner hints of the loaded actions, each once, in catalogue order. */
function actionHints(catalogue: ActionCatalogue, kind: 'hints' | 'repairHints'): string[] {
  return [...new Set(catalogue.list().flatMap((info) => info.planner[kind]))];
}

function decomposeSystemPrompt(catalogue: ActionCatalogue): string {
  const rules = [
    'Steps run one after another by default: unless a step truly stands alone, make it depend on the step before it.',
    'Every command must be non-empty.',
    'Never plan installing tools (brew, apt, pip, npm -g, cargo install, ...). If a tool is missing, return a single step that asks the user to install it.',
    'Treat "Relevant project context" as ground truth: use the real commands and paths it names, one step per real command. If a detail is missing, add an early read-only step (cat, head) to look it up.',
    'Keep the plan minimal: the fewest steps that do the job, nothing speculative.',
    ...actionHints(catalogue, 'hints'),
  ];
  return systemPrompt(
    'You are the task planner of orchestrate-mcp. Break the request into concrete steps that the actions below can carry out. A human reads and approves the plan before anything runs.',
    rules,
    catalogue,
  );
}

function repairSystemPrompt(catalogue: ActionCatalogue): string {
  const rules = [
    'Do not redo work that already succeeded; build on it.',
    'Do not retry the failed step as it was: change the approach.',
    'Use 1–4 steps as a rule, never more than 6.',
    'Steps run one after another by default; depends_on indices refer to this new list only.',
    'The stdout of completed steps is the only real intermediate data: do not refer to files or results nothing produced.',
    ...actionHints(catalogue, 'repairHints'),
  ];
  return systemPrompt(
    'You are the repair planner of orchestrate-mcp. A step of an approved plan failed. Write a short corrective plan that reaches the original goal from where things stand now.',
    rules,
    catalogue,
  );
}

function systemPrompt(intro: string, rules: ReadonlyArray<string | false>, catalogue: ActionCatalogue): string {
  return [intro, STEP_FORMAT, `Available actions:\n${actionList(catalogue)}`, TIER_GUIDE, `Rules:\n${numbered(rules)}`, JSON_ONLY].join(
    '\n\n',
  );
}

function actionList(catalogue: ActionCatalogue): string {
  return catalogue
    .list()
    .map((info) => `- "${info.name}": ${info.description} Default tier: ${info.tier}. Input: ${inputFields(info.inputSchema)}`)
    .join('\n');
}

function inputFields(schema: Record<string, unknown>): string {
  const properties = asRecord(schema['properties']);
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  const fields = Object.entries(properties).map(([name, value]) => {
    const field = asRecord(value);
    const type = Array.isArray(field['type']) ? field['type'].join(' | ') : String(field['type'] ?? 'any');
    const choices = Array.isArray(field['enum']) ? `, one of ${field['enum'].map((v) => JSON.stringify(v)).join(', ')}` : '';
    const note = typeof field['description'] === 'string' ? ` — ${field['description']}` : '';
    return `${name} (${type}${choices}${required.includes(name) ? ', required' : ''})${note}`;
  });
  return fields.length > 0 ? fields.join('; ') : '(none)';
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numbered(rules: ReadonlyArray<string | false>): string {
  return rules
    .filter((rule): rule is string => rule !== false)
    .map((rule, index) => `${index + 1}. ${rule}`)
    .join('\n');
}
