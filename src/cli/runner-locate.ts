import { parseArgs } from 'node:util';
import type { CliIo } from './command.js';
import { runnerPaths, type RunnerPaths } from '../runner/paths.js';
import { databaseOf } from '../runner/serve-flags.js';

export interface RunnerTarget {
  paths: RunnerPaths;
  json: boolean;
}

/** The `--db` and `--json` options of the runner commands; a string is a usage problem. */
export function runnerTarget(args: string[], io: CliIo): RunnerTarget | string {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { db: { type: 'string' }, json: { type: 'boolean' } },
    });
    const db = databaseOf(values.db, io.env, io.cwd);
    if (db === ':memory:') return 'an in-memory database has no runner';
    return { paths: runnerPaths(db, io.env), json: values.json === true };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const TARGET_OPTIONS = `Options:
  --db PATH   the database whose runner this is (default: ORCHESTRATE_DB, else $XDG_STATE_HOME/orchestrate-mcp/state.db)
  --json      print one JSON object instead of text`;
