import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FunctionSpec } from '../../emulator/lambda/runtime';
import { procStatFields } from '../../emulator/core/processes';

/** Temp folders made by a suite; removeTempDirs() in afterAll. */
const made: string[] = [];

export function tempDir(prefix = 'lambda-fn-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes function code (path → source) into a fresh task root. */
export function writeCode(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

let counter = 0;

/** A function spec for code in `codeDir`; the sha follows the code so edits give new environments. */
export function spec(codeDir: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  const name = overrides.functionName ?? `fn-${process.pid}-${++counter}`;
  return {
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    codeSha256: createHash('sha256').update(codeDir).digest('base64'),
    codeDir,
    timeoutSeconds: 10,
    memorySizeMb: 256,
    environment: {},
    region: 'us-east-1',
    accountId: '000000000000',
    ...overrides,
  };
}

export const json = (b: Buffer): any => JSON.parse(b.toString('utf8'));
export const event = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** Whether a process still runs (a zombie, killed but not yet reaped by init, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const fields = procStatFields(pid);
  return fields ? fields[0] !== 'Z' : process.platform !== 'linux';
}

export interface ZipEntrySpec {
  name: string;
  content?: string;
  mode?: number;
  symlink?: string;
}

/** A zip built with archiver (in a child process: archiver is ESM-only). Hostile names are allowed. */
export function makeZip(entries: ZipEntrySpec[]): Buffer {
  const script = path.join(__dirname, '../fixtures/lambda/make-zip.mjs');
  return execFileSync(process.execPath, [script], { input: JSON.stringify(entries), maxBuffer: 64 * 1024 * 1024 });
}
