import { z } from 'zod';
import { ACTORS, AUDIT_KINDS } from '../engine/model.js';

/** Who made a decision or caused an effect, and the events the log records: defined with the task model. */
export const AUDIT_ACTORS = ACTORS;
export { AUDIT_KINDS };

export const AUDIT_OUTCOMES = ['success', 'failure', 'cancelled', 'timeout'] as const;

/** The chain of entries that are not about one task (daily budget events, server-wide decisions). */
export const SYSTEM_CHAIN = 'system';

export const AuditActorSchema = z.enum(AUDIT_ACTORS);
export const AuditKindSchema = z.enum(AUDIT_KINDS);

export type AuditActor = z.infer<typeof AuditActorSchema>;
export type AuditKind = z.infer<typeof AuditKindSchema>;

/**
 * What a caller appends. `actor` and `kind` say what happened; the older fields (`source`,
 * `decision`, `action`, …) stay for the entries that have them. A caller that passes no `kind`
 * must pass one of the decisions in `LEGACY_DECISIONS`, which name their kind and actor.
 */
export const AuditEntrySchema = z.object({
  taskId: z.string().min(1).optional().describe('The task the entry is about; absent for server-wide events (chain "system")'),
  stepId: z.string().min(1).optional().describe('The step the entry is about, if any'),
  ts: z.string().min(1).describe('When it happened, ISO 8601'),
  actor: AuditActorSchema.optional().describe('Who decided or acted; required with kind'),
  kind: AuditKindSchema.optional().describe('The event; derived from decision when absent'),
  comment: z.string().optional().describe('Free text from the actor, e.g. the reason given with a rejection'),
  details: z.record(z.string(), z.unknown()).optional().describe('Event data as JSON, e.g. old and new plan hash'),
  source: z.string().optional(),
  request: z.string().optional(),
  decision: z.string().optional(),
  action: z.string().optional(),
  tier: z.string().optional(),
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  exitCode: z.int().nullable().optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
});

export type AuditEntry = z.input<typeof AuditEntrySchema>;

/** An entry as read back: its row id, its place in its chain and the hashes that link it. */
export type StoredAuditEntry = Omit<AuditEntry, 'actor' | 'kind'> & {
  id: number;
  chain: string;
  seq: number;
  actor: AuditActor;
  kind: AuditKind;
  prevHash: string;
  hash: string;
};

/** The decision texts written before entries had a kind, with the kind and actor each stands for. */
export const LEGACY_DECISIONS = {
  'decomposed into task plan': { kind: 'plan_created', actor: 'model' },
  'step executed': { kind: 'step_completed', actor: 'system' },
  'step failed': { kind: 'step_failed', actor: 'system' },
} as const satisfies Record<string, { kind: AuditKind; actor: AuditActor }>;

/** The kind and actor an older decision text stands for, if it is one we wrote. */
export function legacyKind(decision: string | null | undefined): { kind: AuditKind; actor: AuditActor } | undefined {
  if (decision === null || decision === undefined || !Object.hasOwn(LEGACY_DECISIONS, decision)) return undefined;
  return LEGACY_DECISIONS[decision as keyof typeof LEGACY_DECISIONS];
}
