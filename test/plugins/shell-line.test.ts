import { describe, expect, it } from 'vitest';
import { findForbidden, findForbiddenArgv } from '../../src/plugins/forbidden.js';
import { ShellLineError, shellCommands } from '../../src/plugins/shell-line.js';

const argvs = (line: string) => shellCommands(line).map((command) => command.argv);
const DEFAULT_FORBIDDEN = ['dd', 'mkfs', 'shutdown', 'reboot'];

describe('shellCommands', () => {
  it('splits lists and pipelines into their commands, quotes kept together', () => {
    expect(argvs(`grep -c "a b" 'c d' | sort; echo ok && ls -l || true & wait`)).toEqual([
      ['grep', '-c', 'a b', 'c d'],
      ['sort'],
      ['echo', 'ok'],
      ['ls', '-l'],
      ['true'],
      ['wait'],
    ]);
  });

  it('lists a wrapper and the command it runs, with options and their values skipped', () => {
    expect(argvs('sudo -u deploy timeout -s KILL 10 nice -n 5 make build')).toEqual([
      ['sudo', '-u', 'deploy', 'timeout', '-s', 'KILL', '10', 'nice', '-n', '5', 'make', 'build'],
      ['timeout', '-s', 'KILL', '10', 'nice', '-n', '5', 'make', 'build'],
      ['nice', '-n', '5', 'make', 'build'],
      ['make', 'build'],
    ]);
  });

  it('reads the line given to sh -c, also nested', () => {
    expect(argvs(`bash -lc "sh -c 'echo deep'"`)).toEqual([
      ['bash', '-lc', "sh -c 'echo deep'"],
      ['sh', '-c', 'echo deep'],
      ['echo', 'deep'],
    ]);
  });

  it('finds substitutions and records what fed each command', () => {
    const commands = shellCommands('curl -s https://x | tee log | sh; cat <(date) > out.txt; echo "$(whoami)"');
    expect(commands.map((command) => [command.argv[0], command.inputs, command.writes])).toEqual([
      ['curl', [], []],
      ['tee', ['curl'], []],
      ['sh', ['curl', 'tee'], []],
      ['date', [], []],
      ['cat', ['date'], ['out.txt']],
      ['whoami', [], []],
      ['echo', ['whoami'], []],
    ]);
  });

  it('keeps variables as written and drops settings and keywords before the command', () => {
    expect(argvs('FOO=1 BAR="x y" env | grep $HOME; if true; then echo ${USER}; fi')).toEqual([
      ['env'],
      ['grep', '$HOME'],
      ['true'],
      ['echo', '$USER'],
    ]);
  });

  it('treats a newline as a separator, a comment as a comment and a # inside a word as text', () => {
    expect(argvs('echo one # two\necho a#b\n\n  ls')).toEqual([['echo', 'one'], ['echo', 'a#b'], ['ls']]);
  });

  it('runs a function body and skips the definition words', () => {
    expect(argvs('build() { make all; }; build')).toEqual([['make', 'all'], ['build']]);
  });

  it('gives up past eight levels of sh -c', () => {
    let line = 'ls';
    for (let i = 0; i < 10; i += 1) line = `sh -c ${JSON.stringify(line)}`;
    expect(() => shellCommands(line)).toThrow(ShellLineError);
  });
});

describe('findForbidden', () => {
  it.each([
    ['dd if=/dev/zero of=x', 'dd'],
    ['echo hi && dd if=/dev/zero of=x', 'dd'],
    ['echo hi; /bin/dd if=a of=b', 'dd'],
    ['cat x | dd of=y', 'dd'],
    ["sh -c 'dd if=/dev/zero of=x'", 'dd'],
    [`bash -c "echo; sh -c 'dd of=x'"`, 'dd'],
    ['echo $(mkfs /dev/sda)', 'mkfs'],
    ['echo "$(mkfs.ext4 /dev/sda)"', 'mkfs.ext4'],
    ['echo `reboot`', 'reboot'],
    ['sudo shutdown -h now', 'shutdown'],
    ['timeout 5 dd if=a of=b', 'dd'],
    ['find . -exec dd if={} of=/dev/null \\;', 'dd'],
    ['ls\nreboot', 'reboot'],
    ['echo a#b; reboot', 'reboot'],
    ['eval "dd if=a of=b"', 'dd'],
  ])('finds the forbidden program in %j', (line, program) => {
    expect(findForbidden(line, DEFAULT_FORBIDDEN)).toEqual({ program });
  });

  it.each(['echo dd', 'echo "dd if=/dev/zero"', 'ls -l dd.txt', 'add-user x', 'grep mkfs notes', 'echo reboot later # reboot'])(
    'lets %j run',
    (line) => {
      expect(findForbidden(line, DEFAULT_FORBIDDEN)).toBeUndefined();
    },
  );

  it('checks nothing when nothing is forbidden', () => {
    expect(findForbidden('dd if=a of=b', [])).toBeUndefined();
  });

  it('reports a line too deeply nested to check', () => {
    let line = 'ls';
    for (let i = 0; i < 10; i += 1) line = `sh -c ${JSON.stringify(line)}`;
    expect(findForbidden(line, DEFAULT_FORBIDDEN)).toEqual({ unreadable: expect.stringContaining('nested more than 8 levels deep') });
  });

  it('sees through wrappers in an argv', () => {
    expect(findForbiddenArgv(['sudo', '-u', 'root', 'dd', 'if=a'], DEFAULT_FORBIDDEN)).toEqual({ program: 'dd' });
    expect(findForbiddenArgv(['sh', '-c', 'echo hi && reboot'], DEFAULT_FORBIDDEN)).toEqual({ program: 'reboot' });
    expect(findForbiddenArgv(['echo', 'dd'], DEFAULT_FORBIDDEN)).toBeUndefined();
  });
});
