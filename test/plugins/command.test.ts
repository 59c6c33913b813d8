import { describe, it, expect } from 'vitest';
import { CommandParseError, parseCommand } from '../../src/plugins/command.js';

function parseError(command: string): CommandParseError {
  try {
    parseCommand(command);
  } catch (error) {
    if (error instanceof CommandParseError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(command)} to be rejected`);
}

describe('parseCommand', () => {
  it('splits a trailing redirect off the argv', () => {
    expect(parseCommand('find /tmp -type f > /tmp/list.txt')).toEqual({
      argv: ['find', '/tmp', '-type', 'f'],
      redirect: { path: '/tmp/list.txt', append: false },
    });
  });

  it('marks >> as an appending redirect', () => {
    expect(parseCommand('ls /etc >> /tmp/log')).toEqual({ argv: ['ls', '/etc'], redirect: { path: '/tmp/log', append: true } });
  });

  it('groups a double-quoted argument into one token', () => {
    expect(parseCommand('grep "hello world" file.txt')).toEqual({ argv: ['grep', 'hello world', 'file.txt'] });
  });

  it('keeps > inside quotes as text, not a redirect', () => {
    const parsed = parseCommand('echo "a > b"');
    expect(parsed).toEqual({ argv: ['echo', 'a > b'] });
    expect(parsed.redirect).toBeUndefined();
  });

  it('rejects a redirect that is not trailing', () => {
    expect(parseError('foo > bar baz').message).toBe(
      'Multiple or non-trailing `>` redirects are not supported — sandbox runs argv directly.',
    );
  });

  it('rejects two redirects', () => {
    expect(parseError('echo a > /tmp/x > /tmp/y').message).toContain('Multiple or non-trailing `>` redirects');
  });

  it('rejects a dangling > with nothing after it', () => {
    expect(parseError('echo hi >').message).toContain('Multiple or non-trailing');
    expect(parseError('>/tmp/x').message).toContain('Multiple or non-trailing');
  });

  it('rejects a pipe, telling the planner to split the step or redirect to a file', () => {
    expect(parseError('ls | grep foo').message).toBe(
      'Shell metacharacter | not supported — sandbox runs argv directly. Split this into multiple steps or capture output via the trailing `> path` form.',
    );
  });

  it.each([
    ['make || true', '||'],
    ['make && make install', '&&'],
    ['cd /tmp; ls', ';'],
    ['sleep 10 &', '&'],
    ['sort < in.txt', '<'],
    ['cmd 2>&1', '&'],
  ])('rejects the metacharacter in %s', (command, operator) => {
    expect(parseError(command).message).toContain(`Shell metacharacter ${operator} not supported`);
  });

  it('rejects command substitution, even inside quotes', () => {
    expect(parseError('echo $(pwd)').message).toBe('Shell substitution in $(pwd) not supported — sandbox runs argv directly.');
    expect(parseError('echo "now: $(date)"').message).toContain('Shell substitution in now: $(date) not supported');
    expect(parseError('echo `whoami`').message).toContain('Shell substitution in `whoami`');
  });

  it('splits an operator glued to its operand', () => {
    expect(parseCommand('echo hi >/tmp/x')).toEqual({ argv: ['echo', 'hi'], redirect: { path: '/tmp/x', append: false } });
    expect(parseCommand('echo hi>>/tmp/x')).toEqual({ argv: ['echo', 'hi'], redirect: { path: '/tmp/x', append: true } });
  });

  it('treats a quoted lone | or > as an ordinary argument', () => {
    expect(parseCommand('grep "|" file.txt')).toEqual({ argv: ['grep', '|', 'file.txt'] });
    expect(parseCommand("echo '>' out")).toEqual({ argv: ['echo', '>', 'out'] });
    expect(parseCommand('echo \\| \\;')).toEqual({ argv: ['echo', '|', ';'] });
  });

  it('reads a quoted redirect target', () => {
    expect(parseCommand('ls > "/tmp/my list.txt"').redirect).toEqual({ path: '/tmp/my list.txt', append: false });
  });

  it('keeps single quotes literal inside double quotes and vice versa', () => {
    expect(parseCommand(`echo "it's" 'say "hi"'`).argv).toEqual(['echo', "it's", 'say "hi"']);
  });

  it('lets a backslash escape outside single quotes only', () => {
    expect(parseCommand('echo a\\ b "c\\"d" \'e\\f\'').argv).toEqual(['echo', 'a b', 'c"d', 'e\\f']);
  });

  it('drops empty quotes and joins adjacent quoted parts', () => {
    expect(parseCommand('echo "" a"b"\'c\'').argv).toEqual(['echo', 'abc']);
  });

  it('rejects an unterminated quote', () => {
    expect(parseError('echo "hello').message).toBe('Unterminated quoted string');
    expect(parseError("echo 'hello").message).toBe('Unterminated quoted string');
  });

  it('rejects an empty command', () => {
    expect(parseError('').message).toBe('Empty command');
    expect(parseError('   \t ').message).toBe('Empty command');
    expect(parseError('""').message).toBe('Empty command');
  });

  it('throws a named Error subclass', () => {
    const error = parseError('');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CommandParseError');
  });
});
