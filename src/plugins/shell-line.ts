/**
 * Reads a shell command line into every program it would run: each command of a list or pipeline,
 * the commands inside `( … )`, `$( … )`, backticks and `<( … )`, the command behind a wrapper
 * (`sudo`, `env`, `timeout 5`, `xargs`, …) and the line given to `sh -c` or `eval`. Words come from
 * shell-quote; this module only walks them. Variables stay as written (`$HOME`), since their
 * values are unknown until the line runs.
 */
import { basename } from 'node:path';
import { parse, type ParseEntry } from 'shell-quote';
import { prepareLine } from './shell-prepare.js';
import { innerCommands, stripKeywords } from './shell-wrappers.js';

/** One program a command line runs. */
export interface ShellCommand {
  /** Its words, as the shell would pass them; a substitution shows as `$(…)`. */
  argv: string[];
  /** Programs whose output it reads: earlier stages of its pipeline, `$(…)` and `<(…)` in its words. */
  inputs: string[];
  /** Files its output is redirected to (`>`, `>>`, `&>`). */
  writes: string[];
}

/** A line nested so deeply (`sh -c` in `sh -c` in …) that it is not read further. */
export class ShellLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellLineError';
  }
}

const MAX_DEPTH = 8;
const PIPES = new Set(['|', '|&']);
const SEPARATORS = new Set([';', '&', '&&', '||', ';;', ';;&', ';&']);
const SUBSTITUTIONS = new Set(['<(', '>(']);
const OUTPUT_REDIRECTS = new Set(['>', '>>', '&>', '&>>', '>|', '<>', '>&']);

/** Every program `line` runs, in the order they appear. Throws {@link ShellLineError} past eight levels of nesting. */
export function shellCommands(line: string): ShellCommand[] {
  return readLine(line, 0);
}

/** The programs one already split command runs (itself and whatever it wraps). */
export function argvCommands(argv: readonly string[]): ShellCommand[] {
  return expandCommand([...argv], { inputs: [], writes: [] }, 0);
}

interface Io {
  inputs: string[];
  writes: string[];
}

/** A simple command and whatever it runs in turn; a wrapper's command inherits its pipes and redirects. */
function expandCommand(words: string[], io: Io, depth: number): ShellCommand[] {
  const argv = stripKeywords(words);
  if (argv.length === 0) return [];
  const nested = innerCommands(argv).flatMap((inner) =>
    typeof inner === 'string' ? readLine(inner, depth + 1) : expandCommand(inner, io, depth),
  );
  return [{ argv, inputs: io.inputs, writes: io.writes }, ...nested];
}

/** `basename` of each command's program: what a pipeline stage or substitution is known by. */
function programNames(commands: readonly ShellCommand[]): string[] {
  return commands.map((command) => basename(command.argv[0] ?? ''));
}

function readLine(line: string, depth: number): ShellCommand[] {
  if (depth > MAX_DEPTH) throw new ShellLineError(`commands nested more than ${MAX_DEPTH} levels deep`);
  // Variables are kept as written rather than expanded to "" as shell-quote would by default.
  const tokens = parse(prepareLine(line), (name) => `$${name}`);
  return new Walker(tokens, depth).sequence(false);
}

interface Draft {
  words: string[];
  inputs: string[];
  writes: string[];
  /** Programs of a `( … )` group in this pipeline stage. */
  group: string[];
}

const draft = (): Draft => ({ words: [], inputs: [], writes: [], group: [] });

class Walker {
  #at = 0;

  constructor(
    private readonly tokens: ParseEntry[],
    private readonly depth: number,
  ) {}

  /** Commands up to the end, or up to the `)` that closes a group when `nested`. */
  sequence(nested: boolean): ShellCommand[] {
    const found: ShellCommand[] = [];
    let piped: string[] = [];
    let current = draft();
    const end = (pipe: boolean): void => {
      const commands = expandCommand(current.words, { inputs: [...piped, ...current.inputs], writes: current.writes }, this.depth);
      found.push(...commands);
      piped = pipe ? [...piped, ...current.group, ...programNames(commands)] : [];
      current = draft();
    };
    while (this.#at < this.tokens.length) {
      const token = this.tokens[this.#at++] as ParseEntry;
      if (typeof token === 'string') current.words.push(this.word(token, current, found));
      else if ('comment' in token) continue;
      else if (token.op === 'glob') current.words.push(token.pattern);
      else if (token.op === ')' && nested) break;
      else if (PIPES.has(token.op)) end(true);
      else if (SEPARATORS.has(token.op) || token.op === ')') end(false);
      else if (token.op === '(') {
        if (this.functionDefinition(current)) continue;
        // Words before a subshell are a syntax error in sh; they are taken as a command of their own.
        if (current.words.length > 0) end(false);
        current.group.push(...this.subshell(found));
      } else if (SUBSTITUTIONS.has(token.op)) current.words.push(this.substitution(token.op, current, found));
      else this.redirect(token.op, current, found);
    }
    end(false);
    return found;
  }

  /** A word, with the commands of any `$( … )` in it or right after it. */
  private word(token: string, current: Draft, found: ShellCommand[]): string {
    if (token.endsWith('$') && this.peekOp('(')) {
      this.#at += 1;
      return `${token.slice(0, -1)}${this.substitution('$(', current, found)}`;
    }
    // `$( … )` inside quotes reaches us as text; quoting does not stop it from running.
    for (const body of quotedSubstitutions(token)) {
      const inner = readLine(body, this.depth + 1);
      found.push(...inner);
      current.inputs.push(...programNames(inner));
    }
    return token;
  }

  private substitution(op: string, current: Draft, found: ShellCommand[]): string {
    const inner = this.sequence(true);
    found.push(...inner);
    current.inputs.push(...programNames(inner));
    return `${op}…)`;
  }

  /** `name ( )` right after a word defines a function: the name runs nothing, the body follows. */
  private functionDefinition(current: Draft): boolean {
    if (current.words.length === 0 || !this.peekOp(')')) return false;
    this.#at += 1;
    current.words = [];
    return true;
  }

  /** The commands of a `( … )` subshell; returns their programs, which feed a pipe after it. */
  private subshell(found: ShellCommand[]): string[] {
    const inner = this.sequence(true);
    found.push(...inner);
    return programNames(inner);
  }

  private redirect(op: string, current: Draft, found: ShellCommand[]): void {
    const next = this.tokens[this.#at];
    if (typeof next !== 'string') return;
    this.#at += 1;
    const target = this.word(next, current, found);
    if (OUTPUT_REDIRECTS.has(op) && !/^(\d+|-)$/.test(target)) current.writes.push(target);
  }

  private peekOp(op: string): boolean {
    const next = this.tokens[this.#at];
    return typeof next === 'object' && 'op' in next && next.op === op;
  }
}

/** The bodies of `$( … )` written inside a quoted word. */
function quotedSubstitutions(text: string): string[] {
  const bodies: string[] = [];
  let from = text.indexOf('$(');
  while (from >= 0) {
    let depth = 0;
    let end = from + 1;
    for (; end < text.length; end += 1) {
      if (text[end] === '(') depth += 1;
      else if (text[end] === ')' && --depth === 0) break;
    }
    bodies.push(text.slice(from + 2, end));
    from = text.indexOf('$(', end);
  }
  return bodies;
}
