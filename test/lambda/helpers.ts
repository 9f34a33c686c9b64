import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateFunctionCommand, LambdaClient, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RunningEmulator } from '../../emulator';
import type { Hop } from '../../emulator/core/delivery';
import { clientConfig } from '../helpers/emulator';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** A zip built with archiver in a child process (archiver is ESM-only). Hostile names such as `../x` are kept. */
export function makeZip(files: Record<string, string> | { name: string; content: string; mode?: number }[]): Buffer {
  const entries = Array.isArray(files) ? files : Object.entries(files).map(([name, content]) => ({ name, content }));
  return execFileSync(process.execPath, [path.join(__dirname, '../fixtures/lambda/make-zip.mjs')], {
    input: JSON.stringify(entries),
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A Node handler module, zipped. */
export const nodeZip = (source: string): Buffer => makeZip({ 'index.js': source });

let counter = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

export function lambdaClient(emu: RunningEmulator): LambdaClient {
  return new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
}

/**
 * What a suite that drives Lambda and SQS shares: the two clients (made on first use) and a scratch folder for
 * what its functions write; all of them go after the suite.
 */
export function useLambdaAndSqs(emulator: () => RunningEmulator): { lambda: () => LambdaClient; sqs: () => SQSClient; dir: () => string } {
  let lambdaC: LambdaClient | undefined;
  let sqsC: SQSClient | undefined;
  let scratch: string | undefined;
  afterAll(() => {
    lambdaC?.destroy();
    sqsC?.destroy();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  return {
    lambda: () => (lambdaC ??= lambdaClient(emulator())),
    sqs: () => (sqsC ??= new SQSClient({ ...clientConfig(emulator()), maxAttempts: 1 })),
    dir: () => (scratch ??= scratchDir()),
  };
}

/** Creates a Node function from handler source (`exports.handler = …`). */
export async function deployNode(
  lambda: LambdaClient,
  name: string,
  source: string,
  extra: Partial<CreateFunctionCommandInput> = {},
): Promise<string> {
  const out = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: nodeZip(source) },
      ...extra,
    }),
  );
  return out.FunctionArn!;
}

export const json = (bytes: Uint8Array | undefined): any => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));
export const payload = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

/** Collects the emulator's trace hops of one test file. */
export function recordHops(emu: RunningEmulator): { hops: Hop[]; of: (type: string, fn?: string) => Hop[]; stop: () => void } {
  const hops: Hop[] = [];
  const stop = emu.bus.onHop((h) => hops.push(h));
  return {
    hops,
    of: (type, fn) => hops.filter((h) => h.type === type && (fn === undefined || h.functionName === fn)),
    stop,
  };
}

/** A scratch directory for files a function and the test use to coordinate (no sleeps on either side). */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-test-'));
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * A handler that signals it started (writes `<dir>/started-<id>`) and then holds until `<dir>/release`
 * exists, so a test can keep an invocation busy for exactly as long as it needs.
 */
export const HOLDING_HANDLER = `
const fs = require('fs');
exports.handler = async (event) => {
  fs.writeFileSync(event.dir + '/started-' + event.id, '');
  // Woken by the release file appearing (inotify), not by polling.
  await new Promise((resolve) => {
    const check = () => fs.existsSync(event.dir + '/release') && (watcher.close(), resolve());
    const watcher = fs.watch(event.dir, check);
    check();
  });
  return { id: event.id };
};`;
