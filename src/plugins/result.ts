/**
 * A plugin's result is checked before it is stored: a result that is not the documented shape, or
 * holds what JSON cannot store (a BigInt, a cycle, a function…), fails its step with
 * PLUGIN_RESULT_INVALID instead of breaking the write and leaving the task stuck.
 */
import { OrchestrateError } from '../errors.js';
import type { ActionResult } from './api.js';

const MAX_DEPTH = 200;

/** What is wrong with a step result, or undefined when it can be stored. `partial`: an ActionError's result (no summary). */
export function resultProblem(result: unknown, partial = false): string | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    const what = partial ? 'an object of step outputs' : '{ summary: string, … }';
    return `it is ${describeValue(result)}; it must be ${what}`;
  }
  const fields = result as Record<string, unknown>;
  if (!partial && typeof fields.summary !== 'string') return `summary must be a string, not ${describeValue(fields.summary)}`;
  for (const key of ['stdout', 'stderr'] as const) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string') return `${key} must be a string, not ${describeValue(fields[key])}`;
  }
  if (fields.exitCode !== undefined && fields.exitCode !== null && typeof fields.exitCode !== 'number') {
    return `exitCode must be a number or null, not ${describeValue(fields.exitCode)}`;
  }
  if (fields.truncated !== undefined && typeof fields.truncated !== 'boolean') {
    return `truncated must be a boolean, not ${describeValue(fields.truncated)}`;
  }
  if (fields.artifacts !== undefined) {
    if (!Array.isArray(fields.artifacts)) return `artifacts must be an array of strings, not ${describeValue(fields.artifacts)}`;
    const index = fields.artifacts.findIndex((item) => typeof item !== 'string');
    if (index >= 0) return `artifacts[${index}] must be a string, not ${describeValue(fields.artifacts[index])}`;
  }
  return unstorable(fields.data, 'data', []);
}

/**
 * The outcome of a step's action with an invalid result (or an ActionError's invalid result)
 * replaced by a PLUGIN_RESULT_INVALID failure naming what is wrong.
 */
export function checkedOutcome(
  action: string,
  result: ActionResult | undefined,
  error: unknown,
): { result?: ActionResult; error?: unknown } {
  if (error === undefined) {
    const problem = resultProblem(result);
    return problem === undefined ? { result } : { error: invalidResult(`the ${action} plugin returned an invalid result: ${problem}`) };
  }
  if (!(error instanceof Error)) return { error };
  const carried = (error as { result?: unknown }).result;
  if (carried === undefined) return { error };
  const problem = resultProblem(carried, true);
  if (problem === undefined) return { error };
  return { error: invalidResult(`the ${action} plugin failed (${error.message}) with an invalid result: ${problem}`) };
}

/** A PLUGIN_RESULT_INVALID error; its message leads with the code, as a step's error text shows it. */
export function invalidResult(text: string): OrchestrateError {
  return new OrchestrateError('PLUGIN_RESULT_INVALID', `PLUGIN_RESULT_INVALID: ${text}`);
}

/** Why `value` (at `path`) cannot be stored as JSON without losing or breaking something. */
function unstorable(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return `${path} is a BigInt, which JSON cannot store (use a number or a string)`;
    case 'function':
      return `${path} is a function, which cannot be stored`;
    case 'symbol':
      return `${path} is a symbol, which cannot be stored`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  if (ancestors.includes(value)) return `${path} refers back to an object that contains it (a cycle), which JSON cannot store`;
  if (ancestors.length >= MAX_DEPTH) return `${path} is nested more than ${MAX_DEPTH} levels deep`;
  if (value instanceof Map || value instanceof Set) {
    return `${path} is a ${value instanceof Map ? 'Map' : 'Set'}, which would be stored as {} (use a plain object or an array)`;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return unstorable(toJSON.call(value), path, [...ancestors, value]);
  const inner = [...ancestors, value];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = unstorable(item, `${path}[${index}]`, inner);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = unstorable(item, `${path}.${key}`, inner);
    if (problem) return problem;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
