import { createHash } from 'node:crypto';
import type { Step } from '../model.js';

/** A short fingerprint of exactly what a human is asked to approve. */
export function computePlanHash(request: string, steps: readonly Step[], workdir?: string): string {
  const canonical = JSON.stringify([
    request,
    // What repeating a step does is approved too; plans that say nothing about it hash as before.
    steps.map((s) => [
      s.id,
      s.action,
      s.description,
      s.dependsOn,
      s.tier,
      sortKeys(s.input),
      ...(s.effects !== undefined || s.retry !== undefined ? [s.effects ?? null, sortKeys(s.retry ?? null)] : []),
    ]),
    // Where the commands run is part of what is approved; tasks planned before that hash without it.
    ...(workdir === undefined ? [] : [workdir]),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
