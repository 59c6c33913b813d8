/**
 * Lenient reading of an LLM's plan reply. Nobody is there to ask for a cleaner answer, so the shape
 * is repaired where the intent is clear (fences, nulls, numbers written for strings) and rejected
 * where it is not.
 */
import { OrchestrateError } from '../../errors.js';

/** One step as the LLM wrote it, with field shapes repaired but nothing validated yet. */
export interface RawDraft {
  description?: string;
  action?: string;
  actionType?: string;
  /** As written when text, a number or a boolean; an array or object is kept as its JSON (no tier). */
  tier?: string;
  dependsOn: number[];
  estimatedTokens: number;
  /** The nested `input` object, as written. */
  input?: Record<string, unknown>;
  /** `effects` and `retry` as written (see repeat.ts). */
  repeat?: Record<string, unknown>;
  /** Action fields written flat on the step, as written. */
  fields: Record<string, unknown>;
}

/** Keys that describe the step itself; every other key on a step is an action field. */
export const STEP_KEYS: ReadonlySet<string> = new Set([
  'description',
  'action',
  'action_type',
  'tier',
  'depends_on',
  'estimated_tokens',
  'input',
  'effects',
  'retry',
]);

export function parseLlmSteps(text: string): RawDraft[] {
  const elements = parseArray(text);
  const drafts = elements.map((element, index) => parseStep(element, index + 1));
  if (drafts.length === 0) throw new OrchestrateError('PLAN_INVALID', 'Empty plan — LLM produced no steps');
  return drafts;
}

function parseArray(text: string): unknown[] {
  const trimmed = text.trim();
  const start = trimmed.indexOf('[');
  const end = trimmed.lastIndexOf(']');
  // Slicing to the outermost brackets drops markdown fences and prose around the array.
  const candidate = start >= 0 && end > start ? trimmed.slice(start, end + 1) : trimmed;
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (error) {
    throw parseError(error instanceof Error ? error.message : String(error), {}, error);
  }
  if (!Array.isArray(value)) throw parseError('expected a JSON array of step objects');
  return value;
}

function parseStep(element: unknown, step: number): RawDraft {
  if (!isRecord(element)) throw parseError(`step ${step} is not an object`, { step });
  const draft: RawDraft = {
    description: textField(element, 'description', step),
    action: textField(element, 'action', step),
    actionType: textField(element, 'action_type', step),
    tier: tierText(element['tier']),
    dependsOn: dependsOn(element['depends_on'], step),
    estimatedTokens: estimatedTokens(element['estimated_tokens']),
    ...(element['effects'] != null || element['retry'] != null ? { repeat: { effects: element['effects'], retry: element['retry'] } } : {}),
    fields: {},
  };
  const input = element['input'];
  if (isRecord(input)) draft.input = input;
  else if (input !== undefined && input !== null) throw parseError(`step ${step}: "input" must be an object`, { step, field: 'input' });
  // Action fields stay as written: the action's schema decides about the ones it declares.
  for (const [key, value] of Object.entries(element)) {
    if (!STEP_KEYS.has(key) && value !== undefined && value !== null) draft.fields[key] = value;
  }
  return draft;
}

function textField(element: Record<string, unknown>, field: string, step: number): string | undefined {
  const value = element[field];
  const text = looseText(value);
  if (text !== undefined || value === undefined || value === null || value === '') return text;
  throw parseError(`step ${step}: "${field}" must be text, not ${Array.isArray(value) ? 'an array' : 'an object'}`, {
    step,
    field,
  });
}

/** A tier written as an array or object names no tier; its JSON text keeps it from counting as left out. */
function tierText(value: unknown): string | undefined {
  const text = looseText(value);
  return text === undefined && typeof value === 'object' && value !== null ? JSON.stringify(value) : text;
}

/** Text, numbers and booleans as text; undefined for nothing and for arrays or objects. */
function looseText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Indices as numbers or numerals, alone, in an array or in a list ("0, 1"); values that are not
 * whole non-negative numbers are dropped. Anything else says nothing readable about order.
 */
function dependsOn(value: unknown, step: number): number[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'number') return indices([value]);
  if (Array.isArray(value)) return indices(value);
  if (typeof value === 'string' && INDEX_LIST.test(value)) return indices(value.match(/\d+/g) ?? []);
  throw parseError(`step ${step}: "depends_on" must be an array of step indices`, { step, field: 'depends_on' });
}

const INDEX_LIST = /^\s*\[?\s*(\d+\s*([,;\s]\s*\d+\s*)*)?\]?\s*$/;

function indices(values: unknown[]): number[] {
  return values.map(toNumber).filter((value): value is number => value !== undefined && Number.isInteger(value) && value >= 0);
}

/** An estimate is cosmetic: rounded when fractional, 0 when negative or unreadable, never an error. */
function estimatedTokens(value: unknown): number {
  const number = toNumber(value);
  return number === undefined || !Number.isFinite(number) || number < 0 ? 0 : Math.round(number);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseError(reason: string, details: Record<string, unknown> = {}, cause?: unknown): OrchestrateError {
  return new OrchestrateError('PLAN_INVALID', `Failed to parse LLM output: ${reason}`, { details, cause });
}
