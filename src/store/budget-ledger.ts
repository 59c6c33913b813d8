import type { Database, Statement } from 'better-sqlite3';
import type { BudgetCap, BudgetCharge, BudgetKey, BudgetLedger, BudgetSpend } from '../engine/governance/ports.js';

interface SpendRow {
  tokens: number;
  reserved_tokens: number;
  wall_ms: number;
  delegations: number;
}

const ZERO: BudgetSpend = { tokens: 0, reservedTokens: 0, wallMs: 0, delegations: 0 };
const CAPPED = ['tokens', 'wallMs', 'delegations'] as const;

/**
 * Budget spend in SQLite (`budget_spend`, one row per task and per UTC day). A charge reads,
 * checks and writes every scope it touches in one `BEGIN IMMEDIATE` transaction, so servers
 * sharing the file never both take the last of a budget.
 */
export class SqliteBudgetLedger implements BudgetLedger {
  readonly #get: Statement;
  readonly #add: Statement;
  readonly #charge: (entries: ReadonlyArray<{ key: BudgetKey; cap?: BudgetCap }>, charge: BudgetCharge) => Charged;

  constructor(db: Database) {
    this.#get = db.prepare(`SELECT tokens, reserved_tokens, wall_ms, delegations FROM budget_spend WHERE scope = ? AND key = ?`);
    this.#add = db.prepare(`INSERT INTO budget_spend (scope, key, tokens, reserved_tokens, wall_ms, delegations)
      VALUES (@scope, @key, MAX(0, @tokens), MAX(0, @reservedTokens), MAX(0, @wallMs), MAX(0, @delegations))
      ON CONFLICT (scope, key) DO UPDATE SET
        tokens = MAX(0, tokens + @tokens), reserved_tokens = MAX(0, reserved_tokens + @reservedTokens),
        wall_ms = MAX(0, wall_ms + @wallMs), delegations = MAX(0, delegations + @delegations)`);
    const run = db.transaction((entries: ReadonlyArray<{ key: BudgetKey; cap?: BudgetCap }>, charge: BudgetCharge): Charged => {
      const before = entries.map(({ key }) => this.#read(key));
      const ok = entries.every(({ cap }, index) => fits(before[index] ?? ZERO, charge, cap));
      if (!ok) return { ok, before, after: before };
      for (const { key } of entries) this.#add.run({ ...key, ...amounts(charge) });
      return { ok, before, after: entries.map(({ key }) => this.#read(key)) };
    });
    this.#charge = (entries, charge) => run.immediate(entries, charge);
  }

  async read(keys: readonly BudgetKey[]): Promise<BudgetSpend[]> {
    return keys.map((key) => this.#read(key));
  }

  async charge(entries: ReadonlyArray<{ key: BudgetKey; cap?: BudgetCap }>, charge: BudgetCharge): Promise<Charged> {
    return this.#charge(entries, charge);
  }

  #read(key: BudgetKey): BudgetSpend {
    const row = this.#get.get(key.scope, key.key) as SpendRow | undefined;
    if (!row) return { ...ZERO };
    return { tokens: row.tokens, reservedTokens: row.reserved_tokens, wallMs: row.wall_ms, delegations: row.delegations };
  }
}

type Charged = { ok: boolean; before: BudgetSpend[]; after: BudgetSpend[] };

/** A positive amount must not take the scope past its cap; releases always fit. */
function fits(spent: BudgetSpend, charge: BudgetCharge, cap: BudgetCap | undefined): boolean {
  if (!cap) return true;
  return CAPPED.every((kind) => {
    const limit = cap[kind];
    const adding = charge[kind] ?? 0;
    return limit === undefined || adding <= 0 || spent[kind] + adding <= limit;
  });
}

function amounts(charge: BudgetCharge): Record<keyof BudgetSpend, number> {
  return {
    tokens: Math.round(charge.tokens ?? 0),
    reservedTokens: Math.round(charge.reservedTokens ?? 0),
    wallMs: Math.round(charge.wallMs ?? 0),
    delegations: Math.round(charge.delegations ?? 0),
  };
}
