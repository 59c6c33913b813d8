/**
 * Stopping what a stopped server's steps left running: a process group is named by its leader's pid
 * and start time, so a group whose id now belongs to another process is never hit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStart, reapGroups } from '../../src/plugins/processes.js';
import { processAlive } from '../helpers/bin.js';

const children: ChildProcess[] = [];
const pids: number[] = [];
let dir: string | undefined;

afterEach(() => {
  // Whole groups: the shell's foreground sleep is a third member when the shell does not exec it.
  for (const child of children.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A detached group: a shell that starts a background sleep (its pid written to a file), then sleeps itself or exits. */
async function group(leaderStays: boolean): Promise<{ pgid: number; member: number }> {
  dir ??= mkdtempSync(join(tmpdir(), 'orchestrate-reap-'));
  const file = join(dir, `member-${children.length}`);
  const child = spawn('sh', ['-c', `sleep 300 & echo $! > '${file}'; ${leaderStays ? 'sleep 300' : 'exit 0'}`], {
    detached: true,
    stdio: 'ignore',
  });
  children.push(child);
  await expect.poll(() => existsSync(file) && readFileSync(file, 'utf8').trim() !== '').toBe(true);
  const member = Number(readFileSync(file, 'utf8').trim());
  pids.push(member, child.pid as number);
  return { pgid: child.pid as number, member };
}

describe('reapGroups', () => {
  it('stops every member of a group whose leader is the one recorded (same pid, same start time)', async () => {
    const { pgid, member } = await group(true);
    const started = processStart(pgid) as string;
    expect(started).toMatch(/^\d+$/);
    // The shell, its background sleep and its foreground one (unless the shell exec'd it).
    expect(reapGroups([{ pgid, started }])).toBeGreaterThanOrEqual(2);
    await expect.poll(() => processAlive(member)).toBe(false);
    await expect.poll(() => processAlive(pgid)).toBe(false);
  });

  it('leaves alone a group whose leader pid now runs a process that started at another time', async () => {
    const { pgid, member } = await group(true);
    const started = processStart(pgid) as string;
    const someoneElse = (BigInt(started) - 1n).toString();
    expect(reapGroups([{ pgid, started: someoneElse }])).toBe(0);
    expect(processAlive(member)).toBe(true);
    expect(processAlive(pgid)).toBe(true);
  });

  it('stops the members left in a group whose leader has exited', async () => {
    const { pgid, member } = await group(false);
    await expect.poll(() => processAlive(pgid)).toBe(false);
    const started = processStart(member) as string;
    // Recorded when the leader started, which was no later than its member.
    expect(reapGroups([{ pgid, started: (BigInt(started) - 1n).toString() }])).toBe(1);
    await expect.poll(() => processAlive(member)).toBe(false);
  });

  it('ignores groups without a readable start time and does nothing for none', () => {
    expect(reapGroups([])).toBe(0);
    expect(reapGroups([{ pgid: process.pid, started: '' }])).toBe(0);
    expect(processAlive(process.pid)).toBe(true);
  });
});
