import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulator } from '../emulator';
import { createClients, type AwsClients } from '../deploy-scripts/clients';
import { deploy } from '../deploy-scripts/deploy';
import { buildPipeline } from '../deploy-scripts/topologies';
import { buildHandler, type HandlerName } from '../handlers/build';
import { isMain } from './lib/main';
import { median } from './lib/measure';
import { CREDENTIALS, OBJECT_BODY, REGION, ReportWatcher, objectKey, reportBuckets } from './lib/pipeline';

/**
 * Cold start to ready, in a fresh Node process each time (so no JIT or module cache is warm from an earlier
 * benchmark): startEmulator(), then deploy() of the fanout topology (bucket, topic, three queues with DLQs,
 * the functions, mappings, subscriptions, bucket notifications — the harness's own deploy script, handler
 * packaging included), then one upload until every report of it is written (three function environments
 * start on the way). The clock starts after the process has loaded its modules; the child reports the
 * phases, the parent takes the median over runs.
 *
 * Handler packages come from the build cache on disk (handlers/build.ts), as on every run after the first
 * since the handlers last changed: the parent brings the cache up to date first. One more child runs with an
 * empty cache (HARNESS_BUILD_DIR set to a new folder), so esbuild and the zip worker are measured too.
 */
export interface ColdStart {
  totalMs: number;
  emulatorStartMs: number;
  deployMs: number;
  /** Of deployMs: time with at least one deploy request in flight; the rest is deploy() waiting between polls or building. */
  deployRequestMs: number;
  deployRequests: number;
  firstObjectMs: number;
}

/** Counts requests and the time at least one is in flight, on every client deploy() uses. */
function trackRequests(clients: AwsClients) {
  let inFlight = 0;
  let since = 0n;
  let busy = 0n;
  let count = 0;
  for (const c of [clients.s3, clients.sqs, clients.sns, clients.lambda, clients.iam, clients.logs, clients.sts] as { middlewareStack: any }[]) {
    c.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        count++;
        if (inFlight++ === 0) since = process.hrtime.bigint();
        try {
          return await next(args);
        } finally {
          if (--inFlight === 0) busy += process.hrtime.bigint() - since;
        }
      },
      { step: 'initialize', name: 'benchBusyTime' },
    );
  }
  return { busyMs: () => Number(busy) / 1e6, count: () => count };
}

async function measureOnce(): Promise<ColdStart> {
  const t0 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  const emu = await startEmulator({ port: 0, log: () => undefined });
  const t1 = process.hrtime.bigint();
  const clients = createClients({ endpoint: emu.endpoint, region: REGION, credentials: CREDENTIALS });
  const requests = trackRequests(clients);
  const spec = buildPipeline('fanout', { prefix: 'cold', batchWindowSeconds: 0 });
  const resources = await deploy(clients, spec);
  const t2 = process.hrtime.bigint();
  const deployBusy = requests.busyMs();
  const deployCount = requests.count();
  const watcher = new ReportWatcher(emu, reportBuckets(spec, resources));
  const key = objectKey(0, 'cold');
  const done = watcher.expect(key);
  await clients.s3.send(new PutObjectCommand({ Bucket: resources.sourceBucket, Key: key, Body: OBJECT_BODY }));
  const t3 = await done;
  const result: ColdStart = {
    totalMs: ms(t0, t3),
    emulatorStartMs: ms(t0, t1),
    deployMs: ms(t1, t2),
    deployRequestMs: deployBusy,
    deployRequests: deployCount,
    firstObjectMs: ms(t2, t3),
  };
  watcher.close();
  clients.destroy();
  await emu.stop();
  return result;
}

/** Runs fresh child processes one after another; median of each phase. */
export async function benchColdStart(opts: { quick: boolean }): Promise<ColdStart & { runs: ColdStart[]; emptyBuildCache: ColdStart }> {
  const root = path.resolve(__dirname, '..');
  const child = async (env: NodeJS.ProcessEnv = {}): Promise<ColdStart> => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'bin/run-ts.js'), path.join(__dirname, 'cold-start.ts')], {
      cwd: root,
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  };
  await Promise.all(['data-processor', 'error-handler'].map((h) => buildHandler(h as HandlerName)));
  const runs: ColdStart[] = [];
  for (let i = 0; i < (opts.quick ? 1 : 3); i++) runs.push(await child());
  const emptyDir = await mkdtemp(path.join(os.tmpdir(), 'cold-start-build-'));
  let emptyBuildCache: ColdStart;
  try {
    emptyBuildCache = await child({ HARNESS_BUILD_DIR: emptyDir });
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
  }
  const med = (k: keyof ColdStart) => median(runs.map((r) => r[k]));
  return {
    totalMs: med('totalMs'),
    emulatorStartMs: med('emulatorStartMs'),
    deployMs: med('deployMs'),
    deployRequestMs: med('deployRequestMs'),
    deployRequests: med('deployRequests'),
    firstObjectMs: med('firstObjectMs'),
    runs,
    emptyBuildCache,
  };
}

if (isMain(__filename)) {
  measureOnce().then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
