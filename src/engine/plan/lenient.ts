/**
 * The LLM planning path: an LLM reply becomes drafts, repairing what is
 * safe to repair (dependencies, missing chains) and rejecting the first step that cannot run.
 * The step-input helpers here are shared with the strict path for host-written plans.
 */
import { OrchestrateError, type ErrorCode } from '../../errors.js';
import type { ActionCatalogue, ActionInfo } from '../catalogue.js';
import type { Tier } from '../model.js';
import { parseLlmSteps, type RawDraft } from './parse.js';
import { repeatFields } from './repeat.js';
import { readTier } from './tier-names.js';
import type { PlanOptions, PlannedDraft } from './types.js';

/**
 * Allowlist and agent-roster checks happen in `catalogue.checkInput` (the plugins own them);
 * `options` is accepted so callers can hand the same options to prompting and parsing.
 */
export async function planFromLlmText(text: string, catalogue: ActionCatalogue, _options: PlanOptions = {}): Promise<PlannedDraft[]> {
  const raws = parseLlmSteps(text);
  const drafts: PlannedDraft[] = [];
  // In order, so the error names the first step that cannot run.
  for (const [index, raw] of raws.entries()) drafts.push(await planStep(raw, index + 1, catalogue));
  sanitizeDependencies(drafts);
  applySequentialFallback(drafts, catalogue);
  return drafts;
}

async function planStep(raw: RawDraft, step: number, catalogue: ActionCatalogue): Promise<PlannedDraft> {
  const description = raw.description?.trim() ?? '';
  if (!description) {
    throw stepError('PLAN_INVALID', step, '', 'description: must not be empty', { field: 'description' });
  }
  const named = raw.action?.trim() || raw.actionType?.trim() || undefined;
  // A step without an action still says what it is about: the action that takes such steps keeps it.
  const untyped = named === undefined ? catalogue.list().find((candidate) => candidate.planner.untypedStepField !== undefined) : undefined;
  const action = named ?? untyped?.name;
  if (action === undefined)
    throw stepError('PLAN_INVALID', step, description, 'action: missing; name one of the available actions', { field: 'action' });
  const info = catalogue.info(action);
  if (!info) throw unknownActionError(catalogue, step, description, action);
  const field = untyped?.planner.untypedStepField;
  const input = field !== undefined ? { [field]: description } : gatherInput(info, description, looseFields(info, raw.fields), raw.input);
  // A sampled plan's effects or retry that cannot be read (or claims a step is safer than its action) is left out.
  const repeat = repeatFields(raw.repeat ?? {}, info);
  return {
    description,
    action,
    dependsOn: raw.dependsOn,
    tier: llmTier(raw.tier, info),
    ...(await checkedInput(catalogue, action, input, step, description)),
    estimatedTokens: raw.estimatedTokens,
    ...('fields' in repeat ? repeat.fields : {}),
  };
}

/**
 * A tier left out is the action's own; one written in any spelling counts as written; one that
 * names no tier is raised to destructive, since a guess must never be lower than what was meant.
 */
function llmTier(raw: string | undefined, info: ActionInfo): Tier {
  if (raw === undefined || raw.trim() === '') return info.tier;
  return readTier(raw) ?? 'destructive';
}

/** Keeps only earlier, distinct dependencies, so an LLM plan can never reach the graph with a cycle. */
function sanitizeDependencies(drafts: PlannedDraft[]): void {
  drafts.forEach((draft, index) => {
    draft.dependsOn = [...new Set(draft.dependsOn.filter((dep) => dep < index))];
  });
}

/** LLMs often omit dependencies; running steps out of order is worse than running them in turn. */
function applySequentialFallback(drafts: PlannedDraft[], catalogue: ActionCatalogue): void {
  if (drafts.length < 2) return;
  const flat = drafts.every((draft) => draft.dependsOn.length === 0);
  drafts.forEach((draft, index) => {
    if (index === 0 || draft.dependsOn.length > 0) return;
    if (flat || catalogue.info(draft.action)?.planner.consumesPriorOutput) draft.dependsOn = [index - 1];
  });
}

/**
 * Flat fields as an LLM wrote them, read leniently: a number or boolean in a text field the action
 * declares is its text, and an empty text counts as left out. Other values stay as written; the
 * action's schema judges the fields it declares, and ignores the rest.
 */
function looseFields(info: ActionInfo, fields: Record<string, unknown>): Record<string, unknown> {
  const properties = info.inputSchema['properties'];
  // A field written under an alias has the type of the field it stands for.
  const typeOf = (key: string): unknown =>
    typeof properties === 'object' && properties !== null
      ? (properties as Record<string, { type?: unknown }>)[info.planner.fieldAliases[key] ?? key]?.type
      : undefined;
  const loose: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const text = typeOf(key) === 'string' || (Array.isArray(typeOf(key)) && (typeOf(key) as unknown[]).includes('string'));
    if (text && value === '') continue;
    loose[key] = text && (typeof value === 'number' || typeof value === 'boolean') ? String(value) : value;
  }
  return loose;
}

/** `step N ("description")`, the prefix of every plan error so the planner can find the step. */
export function stepLabel(step: number, description: string): string {
  const shown = description.length > 60 ? `${description.slice(0, 59)}…` : description;
  return `step ${step} (${JSON.stringify(shown)})`;
}

export function stepError(
  code: ErrorCode,
  step: number,
  description: string,
  text: string,
  details: Record<string, unknown>,
): OrchestrateError {
  return new OrchestrateError(code, `${stepLabel(step, description)}: ${text}`, {
    details: { step, index: step - 1, ...details },
  });
}

export function unknownActionError(catalogue: ActionCatalogue, step: number, description: string, action: string): OrchestrateError {
  const available = catalogue
    .list()
    .map((info) => info.name)
    .join(', ');
  return stepError('UNKNOWN_ACTION', step, description, `unknown action "${action}". Available actions: ${available}`, {
    field: 'action',
    action,
  });
}

/**
 * A step's input: the flat fields the action declares, overridden by the nested `input`, then the
 * defaults (a plan's `spec` as its output, the description for the action's main field).
 */
export function gatherInput(
  info: ActionInfo,
  description: string,
  fields: Record<string, unknown>,
  nested: Record<string, unknown> = {},
): Record<string, unknown> {
  const declared = declaredFields(info.inputSchema);
  const input: Record<string, unknown> = {};
  const aliases = info.planner.fieldAliases;
  // Flat keys the action does not declare are ignored: LLMs sprinkle other actions' fields and ids;
  // a field written under another name the action knows (a plan's `spec` is its `output`) is renamed.
  const kept = (key: string): boolean => !declared || declared.has(key);
  for (const [key, value] of Object.entries(fields)) if (kept(key)) input[key] = value;
  for (const [key, value] of Object.entries(nested))
    if (value !== null && value !== undefined && (kept(key) || !(key in aliases))) input[key] = value;
  for (const [alias, field] of Object.entries(aliases)) {
    const value = nested[alias] ?? fields[alias];
    if (isMissing(input[field]) && !isMissing(value)) input[field] = value;
  }
  if (info.fromDescription && isMissing(input[info.fromDescription])) input[info.fromDescription] = description;
  return input;
}

/** Runs the action's plan-time checks and returns the input they normalised. */
export async function checkedInput(
  catalogue: ActionCatalogue,
  action: string,
  input: Record<string, unknown>,
  step: number,
  description: string,
): Promise<Pick<PlannedDraft, 'input' | 'commands' | 'required'>> {
  const result = await catalogue.checkInput(action, input);
  if (result.ok) return { input: result.input, commands: result.commands, required: result.required };
  const first = result.problems[0] ?? 'input: not valid';
  const colon = first.indexOf(':');
  const field = colon > 0 ? first.slice(0, colon).trim() : 'input';
  throw stepError('PLAN_INVALID', step, description, first, { field, problems: result.problems });
}

function declaredFields(schema: Record<string, unknown>): Set<string> | undefined {
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return undefined;
  return new Set(Object.keys(properties));
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
