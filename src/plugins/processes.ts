/**
 * The process groups a step's commands start, and stopping the ones a stopped server left behind.
 * A group is named by its leader's pid and the leader's start time, so a pid the system has since
 * given to another process is never hit: when a process with the leader's pid runs but started at
 * another time, the group is someone else's and is left alone. (While any member of a group lives,
 * the system does not give its id to a new process, so members of a group whose leader has exited
 * are the group's own.) Only members that started no earlier than the recorded leader are stopped.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessGroup {
  pgid: number;
  /** The leader's start time, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22). */
  started: string;
}

interface ProcStat {
  pgrp: number;
  started: bigint;
}

/** The start time of a live process, or undefined when it is gone or the system does not tell (not Linux). */
export function processStart(pid: number): string | undefined {
  return readStat(pid)?.started.toString();
}

/**
 * Stops (SIGKILL) the members of each group that are still running and are not younger impostors:
 * same process group, started at or after the recorded leader. Returns how many were stopped.
 */
export function reapGroups(groups: readonly ProcessGroup[]): number {
  const ours = groups.filter((group) => {
    if (group.started === '' || !/^\d+$/.test(group.started)) return false;
    const leader = readStat(group.pgid);
    return leader === undefined || leader.started === BigInt(group.started);
  });
  if (ours.length === 0) return 0;
  let stopped = 0;
  for (const pid of livePids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const group = ours.find((g) => g.pgid === stat.pgrp && stat.started >= BigInt(g.started));
    if (!group || pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
      stopped += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return stopped;
}

function livePids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    const pgrp = Number(fields[2]);
    const started = fields[19];
    if (!Number.isInteger(pgrp) || started === undefined) return undefined;
    return { pgrp, started: BigInt(started) };
  } catch {
    return undefined;
  }
}
