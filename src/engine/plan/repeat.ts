/**
 * What a plan may say about repeating a step: its effects class (`effects`) and its retry policy
 * (`retry`). Read strictly for plans from the calling model, leniently for sampled ones.
 */
import type { ActionInfo } from '../catalogue.js';
import { EFFECTS, RetryPolicySchema, type Effects, type RetryPolicy } from '../model.js';

export interface RepeatFields {
  effects?: Effects;
  retry?: RetryPolicy;
}

/** The step's fields as written, or a problem naming the field ("effects: …"). */
export function repeatFields(draft: Record<string, unknown>, info: ActionInfo): { fields: RepeatFields } | { problem: string } {
  const fields: RepeatFields = {};
  const effects = draft['effects'];
  if (effects !== undefined && effects !== null) {
    if (typeof effects !== 'string' || !(EFFECTS as readonly string[]).includes(effects)) {
      return { problem: `effects: must be one of ${EFFECTS.join(', ')} (got ${JSON.stringify(effects)})` };
    }
    const written = effects as Effects;
    if (EFFECTS.indexOf(written) < EFFECTS.indexOf(info.effects) && !info.effectsMayLower) {
      return {
        problem: `effects: the ${info.name} action is ${info.effects}; a step of it may not claim to be safer to repeat ("${written}")`,
      };
    }
    fields.effects = written;
  }
  const retry = draft['retry'];
  if (retry !== undefined && retry !== null) {
    const parsed = RetryPolicySchema.partial({ backoffSeconds: true, maxBackoffSeconds: true }).strict().safeParse(numbers(retry));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { problem: `retry${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'not a retry policy'}` };
    }
    fields.retry = { backoffSeconds: 1, maxBackoffSeconds: 60, ...info.retry, ...parsed.data };
  }
  return { fields };
}

/** Numbers written as text ("3") read as numbers; models write them either way. */
function numbers(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, typeof item === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(item) ? Number(item) : item]),
  );
}
