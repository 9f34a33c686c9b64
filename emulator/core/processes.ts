import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process with this id exists (EPERM: it does, it belongs to someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The fields of `/proc/<pid>/stat` after the command name, which may hold spaces and parentheses: [0] state,
 * [1] ppid, [2] pgrp, … [11] utime, [12] stime (clock ticks). Undefined when it cannot be read (the process is
 * gone, or this is not Linux).
 */
export function procStatFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The ids of every process /proc lists (none where there is no /proc). */
export function procPids(): number[] {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
  } catch {
    return [];
  }
}
