/**
 * Strict validation of a plan written by the calling model. Unlike the LLM path nothing is repaired
 * silently: the caller can read the error, fix the named step and send the plan again.
 */
import { OrchestrateError } from '../../errors.js';
import type { ActionCatalogue } from '../catalogue.js';
import { TIERS, type Tier } from '../model.js';
import { checkedInput, gatherInput, stepError, unknownActionError } from './lenient.js';
import { STEP_KEYS } from './parse.js';
import { repeatFields } from './repeat.js';
import { readTier, tierSpellingHint } from './tier-names.js';
import type { PlannedDraft } from './types.js';

type Fail = (field: string, text: string) => OrchestrateError;

export async function validateHostDrafts(drafts: unknown[], catalogue: ActionCatalogue): Promise<PlannedDraft[]> {
  if (drafts.length === 0) {
    throw new OrchestrateError('PLAN_INVALID', 'Empty plan — send at least one step', { details: { field: 'steps' } });
  }
  const valid: PlannedDraft[] = [];
  // In order, so the error names the first step that is wrong.
  for (const [index, draft] of drafts.entries()) valid.push(await validateDraft(draft, index, drafts.length, catalogue));
  return valid;
}

async function validateDraft(draft: unknown, index: number, count: number, catalogue: ActionCatalogue): Promise<PlannedDraft> {
  const step = index + 1;
  if (!isRecord(draft)) {
    throw stepError('PLAN_INVALID', step, '', 'must be an object with "description" and "action"', { field: 'step' });
  }
  const description = typeof draft['description'] === 'string' ? draft['description'].trim() : '';
  if (!description) {
    throw stepError('PLAN_INVALID', step, '', 'description: must be a non-empty string', { field: 'description' });
  }
  const fail: Fail = (field, text) => stepError('PLAN_INVALID', step, description, text, { field });
  const action = actionName(draft['action'] ?? draft['action_type'], fail);
  const info = catalogue.info(action);
  if (!info) throw unknownActionError(catalogue, step, description, action);
  const dependsOn = dependencies(draft['depends_on'], index, count, fail);
  const tier = hostTier(draft['tier'], info.tier, fail);
  const estimatedTokens = tokens(draft['estimated_tokens'], fail);
  const input = gatherInput(info, description, flatFields(draft), nestedInput(draft['input'], fail));
  const repeat = repeatFields(draft, info);
  if ('problem' in repeat) throw fail(repeat.problem.slice(0, repeat.problem.indexOf(':')), repeat.problem);
  return {
    description,
    action,
    dependsOn,
    tier,
    ...(await checkedInput(catalogue, action, input, step, description)),
    estimatedTokens,
    ...repeat.fields,
  };
}

function actionName(value: unknown, fail: Fail): string {
  if (value === undefined || value === null) throw fail('action', 'action: missing; name one of the available actions');
  if (typeof value !== 'string') throw fail('action', 'action: must be a string naming an action');
  if (!value.trim()) throw fail('action', 'action: must not be empty');
  return value;
}

function dependencies(value: unknown, index: number, count: number, fail: Fail): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) && typeof value !== 'number') {
    throw fail('depends_on', 'depends_on: must be an array of 0-based step indices');
  }
  const deps: number[] = [];
  for (const dep of Array.isArray(value) ? value : [value]) {
    if (typeof dep !== 'number' || !Number.isInteger(dep) || dep < 0 || dep >= count) {
      throw fail(
        'depends_on',
        `depends on a missing step (${JSON.stringify(dep)}); depends_on holds 0-based indices of earlier steps, 0 to ${count - 1}`,
      );
    }
    if (dep === index) throw fail('depends_on', `depends on itself (depends_on ${dep}); indices are 0-based`);
    if (dep > index) {
      throw fail('depends_on', `depends on a later step (depends_on ${dep} is step ${dep + 1}); a step may only depend on earlier steps`);
    }
    if (!deps.includes(dep)) deps.push(dep);
  }
  return deps;
}

/** Spelled as the LLM path reads it; a tier that names none is refused so the caller can fix it. */
function hostTier(value: unknown, fallback: Tier, fail: Fail): Tier {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const tier = typeof value === 'string' ? readTier(value) : undefined;
  if (!tier) throw fail('tier', `tier: must be one of ${TIERS.join(', ')} — ${tierSpellingHint()} (got ${JSON.stringify(value)})`);
  return tier;
}

function tokens(value: unknown, fail: Fail): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw fail('estimated_tokens', 'estimated_tokens: must be a non-negative integer');
}

function nestedInput(value: unknown, fail: Fail): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw fail('input', 'input: must be an object');
  return value;
}

function flatFields(draft: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    if (!STEP_KEYS.has(key) && value !== undefined && value !== null) fields[key] = value;
  }
  return fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
