import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { procPids, procStatFields } from '../../emulator/core/processes';
import { waitFor } from '../../harness/wait';

/** Shared by the reliability suites: errors as the SDKs raise them, zips, and the CLI as a child process. */

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 's3-event-harness.js');

export interface SdkError extends Error {
  name: string;
  /** The Query-compatible code (SQS JSON: from x-amzn-query-error). */
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  [field: string]: unknown;
}

/** The error a call rejects with; fails the test if it succeeds. */
export async function errorOf(call: () => Promise<unknown>): Promise<SdkError> {
  try {
    await call();
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const statusOf = (e: SdkError): number | undefined => e.$metadata?.httpStatusCode;

let counter = 0;
/** Names unique per test process (resources of one emulator, files under shared folders). */
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

// Zips with hostile names and the process check are shared with the Lambda runtime tests.
export { makeZip, isAlive, type ZipEntrySpec as ZipEntry } from '../lambda-runtime/helpers';

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

/** Every live process, from /proc (Linux only). */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of procPids()) {
    const fields = procStatFields(pid);
    if (!fields || fields[0] === 'Z') continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid, ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // gone while we looked
    }
  }
  return out;
}

/**
 * `root`'s descendants (children, their children, …) and the members of its process group. Runtimes are
 * started detached, in groups of their own, so the parent links are what ties them to the CLI.
 */
export function descendants(root: number): ProcInfo[] {
  const table = processTable();
  const found = new Map<number, ProcInfo>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const p of table) {
      if (frontier.includes(p.ppid) && !found.has(p.pid)) {
        found.set(p.pid, p);
        next.push(p.pid);
      }
    }
    frontier = next;
  }
  for (const p of table) if (p.pgid === root && p.pid !== root) found.set(p.pid, p);
  return [...found.values()];
}

/** The CLI, spawned as `node bin/s3-event-harness.js …`, with its output collected as it arrives. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the `ready <url>` line's URL. */
  ready(timeoutMs?: number): Promise<string>;
}

export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    ready: (timeoutMs = 60_000) =>
      waitFor(
        () => {
          const m = /^ready (\S+)$/m.exec(out);
          if (m) return m[1]!;
          if (ended) throw new Error(`the CLI exited before it was ready\nstdout: ${out}\nstderr: ${err}`);
          return undefined;
        },
        { timeoutMs, what: `"ready" from ${args.join(' ')}`, describe: () => `stdout: ${out}\nstderr: ${err}` },
      ),
  };
}

/** Stops a CLI process if it still runs (for afterEach/finally). */
export async function ensureStopped(cli: CliProcess | undefined): Promise<void> {
  if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGKILL');
  await cli.exited;
}
