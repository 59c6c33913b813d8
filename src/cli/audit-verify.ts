import { parseArgs } from 'node:util';
import { databasePath } from '../config.js';
import { errorMessage } from '../errors.js';
import { verifyAudit, type AuditBreak, type AuditVerification } from '../store/audit-verify.js';
import { openReadOnly } from '../store/open-read-only.js';
import { usageError, type CliCommand, type CliIo } from './command.js';

/** The schema that introduced the hash-chained audit. */
const CHAINED_AUDIT_SCHEMA = 2;

const HELP = `Usage: orchestrate-mcp audit verify [--db PATH] [--json]

Checks the hash chains of the audit log: every entry's hash against its content, each entry's link
to the one before it, the sequence numbers, and each chain's recorded head (so removing the last
entries is caught too). Opens the database read-only; a running server is not disturbed.

Options:
  --db PATH   the state database (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json      print the result as one JSON object

Exit codes: 0 every chain intact, 1 a chain is broken (the first broken entry is named),
2 bad usage or no readable database.

Example:
  orchestrate-mcp audit verify --db ~/.local/state/orchestrate-mcp/state.db
`;

export const auditVerifyCommand: CliCommand = {
  name: 'audit verify',
  summary: 'check the audit log hash chains; name the first broken entry',
  help: HELP,
  run: runAuditVerify,
};

async function runAuditVerify(args: string[], io: CliIo): Promise<number> {
  let values: { db?: string | undefined; json?: boolean | undefined };
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { db: { type: 'string' }, json: { type: 'boolean' } },
    }).values;
  } catch (error) {
    return usageError(io, 'audit verify', errorMessage(error));
  }
  const json = values.json === true;
  const path = databasePath(values.db, io.env, io.cwd);
  const opened = openReadOnly(path, CHAINED_AUDIT_SCHEMA);
  if (!opened.ok) return fail(io, json, opened.code, opened.message);
  let result: AuditVerification;
  try {
    result = verifyAudit(opened.db);
  } catch (error) {
    return fail(io, json, 'DATABASE_UNREADABLE', `cannot read the audit log of ${path}: ${errorMessage(error)}`);
  } finally {
    opened.db.close();
  }
  io.stdout(json ? `${JSON.stringify({ database: path, ...result })}\n` : report(result));
  return result.ok ? 0 : 1;
}

function fail(io: CliIo, json: boolean, code: string, message: string): number {
  if (json) io.stdout(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  io.stderr(`orchestrate-mcp audit verify: ${code}: ${message}\n`);
  return 2;
}

function report(result: AuditVerification): string {
  const counted = `${result.entries} ${plural(result.entries, 'entry', 'entries')} in ${result.chains} ${plural(result.chains, 'chain', 'chains')}`;
  const [first] = result.problems;
  if (!first) return `ok: ${counted}\n`;
  const more = result.problems.length > 1 ? `; ${result.problems.length} chains broken` : '';
  return `broken: ${describeBreak(first)}\n${counted} checked${more}\n`;
}

function describeBreak(problem: AuditBreak): string {
  const where = [
    problem.taskId !== undefined ? `task ${problem.taskId}` : `chain ${problem.chain}`,
    ...(problem.stepId !== undefined ? [`step ${problem.stepId}`] : []),
    ...(problem.seq !== undefined ? [`seq ${problem.seq}`] : []),
    ...(problem.kind !== undefined ? [`kind ${problem.kind}`] : []),
  ].join(', ');
  const subject = problem.id !== undefined ? `entry ${problem.id} (${where})` : where;
  return `${subject}: ${problem.reason.replaceAll('_', ' ')}: ${problem.message}`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
