/**
 * The argv command parser: turns a command line into argv plus an optional trailing `> path` /
 * `>> path` redirect, without a shell. Used to run argv-mode commands and to check them at plan time.
 */

export interface ParsedCommand {
  argv: string[];
  redirect?: { path: string; append: boolean };
}

/** A command line that argv mode cannot run; the message says why and what to do instead. */
export class CommandParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandParseError';
  }
}

interface Token {
  text: string;
  /** True only for `>`, `|`, … written unquoted and unescaped; a quoted "|" is an ordinary argument. */
  operator: boolean;
}

const OPERATOR_CHARS = new Set(['>', '<', '|', '&', ';']);
const TWO_CHAR_OPERATORS = new Set(['>>', '||', '&&']);
const METACHARACTERS = new Set(['|', '||', '&&', ';', '&', '<']);
const REDIRECTS = new Set(['>', '>>']);

export function parseCommand(command: string): ParsedCommand {
  const tokens = tokenize(command);
  if (tokens.length === 0) throw new CommandParseError('Empty command');
  for (const token of tokens) {
    if (token.operator && METACHARACTERS.has(token.text)) {
      throw new CommandParseError(
        `Shell metacharacter ${token.text} not supported — sandbox runs argv directly. Split this into multiple steps or capture output via the trailing \`> path\` form.`,
      );
    }
  }
  // Quotes do not protect against substitution: the text would reach a program that may expand it.
  for (const token of tokens) {
    if (token.text.includes('`') || token.text.includes('$(')) {
      throw new CommandParseError(`Shell substitution in ${token.text} not supported — sandbox runs argv directly.`);
    }
  }
  return splitRedirect(tokens);
}

function splitRedirect(tokens: Token[]): ParsedCommand {
  let redirect: ParsedCommand['redirect'];
  let words = tokens;
  const target = tokens.at(-1);
  const operator = tokens.at(-2);
  if (tokens.length >= 3 && target && !target.operator && operator?.operator && REDIRECTS.has(operator.text)) {
    redirect = { path: target.text, append: operator.text === '>>' };
    words = tokens.slice(0, -2);
  }
  if (words.some((token) => token.operator)) {
    throw new CommandParseError('Multiple or non-trailing `>` redirects are not supported — sandbox runs argv directly.');
  }
  const argv = words.map((token) => token.text);
  return redirect ? { argv, redirect } : { argv };
}

function tokenize(command: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  const flush = (): void => {
    // Empty quotes produce no token.
    if (current !== '') tokens.push({ text: current, operator: false });
    current = '';
  };
  for (let i = 0; i < command.length; i += 1) {
    const char = command.charAt(i);
    if (char === '\\' && quote !== "'" && i + 1 < command.length) {
      i += 1;
      current += command.charAt(i);
    } else if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (/\s/.test(char)) {
      flush();
    } else if (OPERATOR_CHARS.has(char)) {
      flush();
      const pair = command.slice(i, i + 2);
      const text = TWO_CHAR_OPERATORS.has(pair) ? pair : char;
      i += text.length - 1;
      tokens.push({ text, operator: true });
    } else {
      current += char;
    }
  }
  if (quote) throw new CommandParseError('Unterminated quoted string');
  flush();
  return tokens;
}
