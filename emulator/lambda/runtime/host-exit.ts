import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Runtime processes are started detached (their own process group) so a kill reaches whatever they spawned.
 * Detached children do not die with us, so an 'exit' hook kills every group still alive and removes the
 * pools' temporary folders, for hosts that end without calling close().
 */
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hookInstalled = false;

function installHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    live.forEach(killGroup);
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort while exiting
      }
    }
  });
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function track(child: ChildProcess): void {
  installHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Removes `dir` when the host exits, unless forgotten first (close() removed it already). */
export function removeOnExit(dir: string): void {
  installHook();
  tempDirs.add(dir);
}

export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
}
