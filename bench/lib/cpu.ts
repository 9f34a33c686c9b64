import { readFileSync } from 'node:fs';
import path from 'node:path';
import { procPids, procStatFields } from '../../emulator/core/processes';

/**
 * CPU time of this process and of its child processes (the Lambda runtime processes the emulator started),
 * in milliseconds, so a benchmark can say where a pipeline's CPU went. Children are read from /proc, so on
 * other systems `children` is undefined. A child that exits between two readings takes its time with it;
 * the benchmarks read while the function environments are alive.
 */
export interface CpuReading {
  selfMs: number;
  childrenMs?: number;
}

/** /proc reports utime and stime in clock ticks; Linux fixes USER_HZ at 100 for everything it exposes there. */
const MS_PER_TICK = 10;

/** This process's children with their /proc/<pid>/stat fields (fields[1] is the parent's pid); undefined off Linux. */
function children(): { pid: number; fields: string[] }[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const found: { pid: number; fields: string[] }[] = [];
  for (const pid of procPids()) {
    const fields = procStatFields(pid); // undefined: gone between listing and reading
    if (fields && Number(fields[1]) === process.pid) found.push({ pid, fields });
  }
  return found;
}

function childrenCpuMs(): number | undefined {
  return children()?.reduce((total, { fields }) => total + (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK, 0);
}

/** The Lambda runtime bootstraps' folder, as it appears in a runtime process's command line. */
const RUNTIME_BOOTSTRAP = path.join('lambda', 'runtime', 'bootstrap');

/**
 * How many Lambda runtime processes this process has now (children running a runtime bootstrap; not esbuild's
 * service, which a handler build may have started); undefined off Linux.
 */
export function runtimeProcessCount(): number | undefined {
  return children()?.filter(({ pid }) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(RUNTIME_BOOTSTRAP);
    } catch {
      return false; // gone since
    }
  }).length;
}

export function readCpu(): CpuReading {
  const { user, system } = process.cpuUsage();
  return { selfMs: (user + system) / 1000, childrenMs: childrenCpuMs() };
}

/** CPU used since `start`. */
export function cpuSince(start: CpuReading): CpuReading {
  const now = readCpu();
  return {
    selfMs: now.selfMs - start.selfMs,
    childrenMs: now.childrenMs === undefined || start.childrenMs === undefined ? undefined : now.childrenMs - start.childrenMs,
  };
}
