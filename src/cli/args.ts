import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { databasePath } from '../config.js';
import { errorMessage, isOrchestrateError } from '../errors.js';
import { usageError, type CliIo } from './command.js';

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** The options every command that reads the database takes. */
export const DB_OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * `parseArgs` for one command, strict (its default): an unknown option, a missing value or a stray argument is a
 * usage error (exit 2), returned as the exit code instead of the parsed values.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(io: CliIo, command: string, config: T): Parsed<T> | number {
  try {
    return parseArgs(config);
  } catch (error) {
    return usageError(io, command, errorMessage(error));
  }
}

/** The database a command works on, resolved exactly as the server resolves it (paths from the caller's directory). */
export function databaseFor(io: CliIo, flag: string | undefined): string {
  return databasePath(flag === undefined ? undefined : resolve(io.cwd, flag), io.env);
}

/** Prints JSON for scripts: one document, pretty, newline-terminated. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A command that could not do its work: the coded error and its hint on stderr, and with `--json`
 * the same as a JSON document on stdout, so a script reading stdout sees why. Exit code 1.
 */
export function failure(io: CliIo, command: string, error: unknown, json: boolean): number {
  const coded = isOrchestrateError(error);
  const code = coded ? error.code : 'INTERNAL_ERROR';
  const message = errorMessage(error);
  io.stderr(`orchestrate-mcp ${command}: ${coded ? `${code}: ` : ''}${message}\n${coded ? `Hint: ${error.hint}\n` : ''}`);
  if (json) printJson(io, { error: { code, message, ...(coded ? { hint: error.hint, details: error.details } : {}) } });
  return 1;
}
