import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { processExists } from '../../core/processes';

/**
 * Temporary folders of the Lambda emulator (function code, the runtime pool's scratch, layers unpacked as a
 * function's /opt) are named after the process that owns them: `<prefix><pid>-<random>`. A process that ends
 * normally removes its own (close(), or the exit hook in host-exit.ts); one killed outright (kill -9, OOM
 * killer, power cut) cannot, so every emulator sweeps, when it starts, the folders of owners that are no
 * longer alive.
 */
export const OWNED_PREFIXES = ['lambda-code-', 'lambda-runtime-', 'lambda-opt-'] as const;

/** Give to `fs.mkdtemp`: `<tmpdir>/<prefix><this pid>-`. */
export function ownedTempPrefix(prefix: (typeof OWNED_PREFIXES)[number], tmpDir = os.tmpdir()): string {
  return path.join(tmpDir, `${prefix}${process.pid}-`);
}

/** The owner's pid from a folder name, or undefined when the name is not one of ours. */
export function ownerPid(name: string, prefixes: readonly string[] = OWNED_PREFIXES): number | undefined {
  for (const prefix of prefixes) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-./.exec(name.slice(prefix.length));
    const pid = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  }
  return undefined;
}

/**
 * Removes the folders in `tmpDir` whose owner process is gone; returns their paths. Folders of live
 * processes (this one, other emulators, other users' — kill(pid, 0) answers EPERM for those) and names
 * that are not ours are left alone. A recycled pid only makes a stale folder wait for a later sweep.
 * Best effort: a folder that cannot be read or removed is skipped.
 */
export async function sweepStaleTempDirs(tmpDir = os.tmpdir(), prefixes: readonly string[] = OWNED_PREFIXES): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(tmpDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const pid = ownerPid(entry.name, prefixes);
    if (pid === undefined || pid === process.pid || processExists(pid)) continue;
    const dir = path.join(tmpDir, entry.name);
    try {
      await fs.rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // someone else's sweep got there first, or it is not ours to remove after all
    }
  }
  return removed;
}
