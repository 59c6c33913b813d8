import { OrchestrateError } from '../errors.js';
import {
  AuditEntrySchema,
  SYSTEM_CHAIN,
  legacyKind,
  type AuditActor,
  type AuditEntry,
  type AuditKind,
  type StoredAuditEntry,
} from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';

/** A row of the `audit` table. */
export interface AuditRow {
  id: number;
  chain: string;
  seq: number;
  task_id: string | null;
  step_id: string | null;
  ts: string;
  actor: AuditActor;
  kind: AuditKind;
  source: string | null;
  request: string | null;
  decision: string | null;
  action: string | null;
  tier: string | null;
  stdout: string | null;
  stderr: string | null;
  exit_code: number | null;
  outcome: StoredAuditEntry['outcome'] | null;
  comment: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** The columns of a new entry that do not depend on its chain's head. */
export type UnchainedRow = Omit<AuditRow, 'id' | 'seq' | 'prev_hash' | 'hash'>;

/** Checks an entry against the schema, then turns it into columns (see columnsOf). */
export function toUnchainedRow(input: AuditEntry): UnchainedRow {
  const parsed = AuditEntrySchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`);
    throw new OrchestrateError('INVALID_ARGUMENT', `Audit entry rejected: ${problems.join('; ')}`, { details: { problems } });
  }
  return columnsOf(parsed.data);
}

/**
 * The columns of an entry whose fields have their types already (the engine's typed records; raw
 * input goes through toUnchainedRow). An entry without `kind` takes the kind and actor of its
 * legacy decision text; one with `kind` must name its `actor`, so no decision is attributed by
 * default. `details` is stored as canonical JSON, so its text is exactly what the hash covers.
 */
export function columnsOf(entry: AuditEntry): UnchainedRow {
  const { kind, actor } = kindAndActor(entry);
  return {
    chain: entry.taskId ?? SYSTEM_CHAIN,
    task_id: entry.taskId ?? null,
    step_id: entry.stepId ?? null,
    ts: entry.ts,
    actor,
    kind,
    source: entry.source ?? null,
    request: entry.request ?? null,
    decision: entry.decision ?? null,
    action: entry.action ?? null,
    tier: entry.tier ?? null,
    stdout: entry.stdout ?? null,
    stderr: entry.stderr ?? null,
    exit_code: entry.exitCode ?? null,
    outcome: entry.outcome ?? null,
    comment: entry.comment ?? null,
    details: entry.details === undefined ? null : detailsText(entry.details),
  };
}

function kindAndActor(entry: AuditEntry): { kind: AuditKind; actor: AuditActor } {
  if (entry.kind !== undefined) {
    if (entry.actor === undefined) throw new OrchestrateError('INVALID_ARGUMENT', `Audit entry of kind ${entry.kind} names no actor.`);
    return { kind: entry.kind, actor: entry.actor };
  }
  const legacy = legacyKind(entry.decision);
  if (!legacy) {
    throw new OrchestrateError('INVALID_ARGUMENT', `Audit entry has no kind and its decision "${entry.decision ?? ''}" names none.`);
  }
  return { kind: legacy.kind, actor: entry.actor ?? legacy.actor };
}

function detailsText(details: Record<string, unknown>): string {
  try {
    return canonicalJson(details);
  } catch (error) {
    throw new OrchestrateError('INVALID_ARGUMENT', `Audit entry details are not plain JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** A stored row as a domain entry; absent optional fields are left out (exitCode stays, null or not). */
export function fromAuditRow(row: AuditRow): StoredAuditEntry {
  const optional = {
    taskId: row.task_id,
    stepId: row.step_id,
    source: row.source,
    request: row.request,
    decision: row.decision,
    action: row.action,
    tier: row.tier,
    stdout: row.stdout,
    stderr: row.stderr,
    outcome: row.outcome,
    comment: row.comment,
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== null));
  return {
    id: row.id,
    chain: row.chain,
    seq: row.seq,
    ts: row.ts,
    actor: row.actor,
    kind: row.kind,
    ...present,
    exitCode: row.exit_code,
    ...(row.details !== null ? { details: JSON.parse(row.details) as Record<string, unknown> } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
