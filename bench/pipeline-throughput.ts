import type { IncomingMessage } from 'node:http';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { cpuSince, readCpu, runtimeProcessCount } from './lib/cpu';
import { startFloorServer, type Responder } from './lib/floor-server';
import { median, ratio, throughput } from './lib/measure';
import { benchClientConfig, OBJECT_BODY, objectKey, startPipeline, type BenchPipeline } from './lib/pipeline';

/**
 * End-to-end throughput through the fanout topology, as a ratio to the SDK floor measured in the same run.
 *
 * Pipeline round: 32 client workers upload n objects (PutObject, one in flight per worker); the round
 * ends when every object is fully processed, i.e. processor, audit and archive have each written its
 * report (seen on the trace bus). Rate = n / (first PutObject sent → last report written).
 *
 * Floor round: the same SDK calls the pipeline makes for one object, against the do-nothing floor server
 * (bench/lib/floor-server.ts), from this process, with the same client settings and the same 32 workers:
 * per object, PutObject of the object, then for each of the three consumers (in parallel, as the three
 * functions run in parallel) GetObject of the object and PutObject of its report — 7 requests per object.
 * The floor server parses nothing: it answers GetObject with the object's bytes and every PutObject with
 * an ETag. What the pipeline does besides those calls (S3 → SNS → SQS delivery, the mappings'
 * receive/delete, Lambda invocations in their runtime processes) is the emulator's work and is what the
 * ratio prices; it is not given to the floor.
 *
 * Where the CPU goes is measured too (median over rounds, CPU ms per object): for the pipeline, this
 * process (emulator and uploading client) and the function processes (the Lambda runtimes, read from /proc;
 * Linux only); for the floor, this process (SDK client and floor server).
 *
 * Rounds alternate which side goes first; the quoted figure is the median round ratio. Before the rounds,
 * 100 objects (200 with --full) warm both sides (not counted).
 * `reservedConcurrency` (`--reserved-concurrency N`, not in the default run) caps every function of the pipeline at N
 * concurrent executions (PutFunctionConcurrency): fewer runtime processes share the cores, to show how much of the
 * function processes' CPU comes from their number rather than from their work.
 *
 * Default run: 5 rounds × 500 objects = 2,500 objects through the pipeline, to fit `npm run bench` in
 * 5 minutes (the pipeline processes ~75–120 objects/s on this 2-core machine); `--full` runs the issue's
 * 10,000 (5 × 2,000). Quick: 1 × 100, warm-up 20.
 */
const CONCURRENCY = 32;
const CONSUMERS = 3;
const REPORT_BODY = `${JSON.stringify({ bucket: 'b', key: objectKey(0), versionId: null, size: OBJECT_BODY.length, etag: 'e', format: 'json', rows: 8, status: 'ok' }, null, 2)}\n`;

const floorS3: Responder = (req: IncomingMessage) => {
  const headers: Record<string, string> = { etag: '"e"' };
  if (req.method !== 'GET') return { status: 200, headers, body: '' };
  return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: OBJECT_BODY };
};

export interface PipelineThroughput {
  objects: number;
  rounds: number;
  pipelinePerSec: number;
  floorPerSec: number;
  ratio: number;
  roundRatios: number[];
  pipelineRounds: number[];
  floorRounds: number[];
  /** CPU ms per object, median over rounds; `functionsMs` undefined where /proc is not available. */
  cpuPerObject: { pipeline: { emulatorProcessMs: number; functionsMs?: number }; floorMs: number };
  /** The same, round by round (the function processes' share falls as their V8 warms up). */
  cpuRounds: CpuRounds;
  /** Runtime processes alive after the rounds (Linux only): the function environments the pipeline used. */
  functionProcesses?: number;
  reservedConcurrency?: number;
}

interface CpuRounds {
  emulator: number[];
  functions: number[];
  floor: number[];
}

async function pipelineRound(p: BenchPipeline, s3: S3Client, n: number, tag: string, cpu?: CpuRounds): Promise<number> {
  const done: Promise<bigint>[] = [];
  const cpuAtStart = readCpu();
  const started = process.hrtime.bigint();
  await throughput(async (i) => {
    const key = objectKey(i, tag);
    done.push(p.watcher.expect(key, 300_000));
    await s3.send(new PutObjectCommand({ Bucket: p.bucket, Key: key, Body: OBJECT_BODY, ContentType: 'application/json' }));
  }, n, CONCURRENCY);
  const last = (await Promise.all(done)).reduce((a, b) => (b > a ? b : a));
  const used = cpuSince(cpuAtStart);
  cpu?.emulator.push(used.selfMs / n);
  if (used.childrenMs !== undefined) cpu?.functions.push(used.childrenMs / n);
  return n / (Number(last - started) / 1e9);
}

async function floorRound(s3: S3Client, n: number, cpu?: CpuRounds): Promise<number> {
  const cpuAtStart = readCpu();
  const rate = await throughput(async (i) => {
    const key = objectKey(i, 'floor');
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: OBJECT_BODY, ContentType: 'application/json' }));
    await Promise.all(
      Array.from({ length: CONSUMERS }, async (_, c) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
        await got.Body!.transformToByteArray();
        await s3.send(new PutObjectCommand({ Bucket: `report-${c}`, Key: `reports/${key}.json`, Body: REPORT_BODY, ContentType: 'application/json' }));
      }),
    );
  }, n, CONCURRENCY);
  cpu?.floor.push(cpuSince(cpuAtStart).selfMs / n);
  return rate;
}

export async function benchPipelineThroughput(opts: { quick: boolean; objects?: number; rounds?: number; reservedConcurrency?: number }): Promise<PipelineThroughput> {
  const rounds = opts.rounds ?? (opts.quick ? 1 : 5);
  const perRound = Math.ceil((opts.objects ?? (opts.quick ? 100 : 2500)) / rounds);
  const warmup = opts.quick ? 20 : perRound >= 2000 ? 200 : 100;
  const p = await startPipeline('fanout');
  const reserved = opts.reservedConcurrency;
  if (reserved !== undefined) {
    for (const f of Object.values(p.resources.functions)) {
      await p.clients.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: f.name, ReservedConcurrentExecutions: reserved }));
    }
  }
  const floor = await startFloorServer(floorS3);
  const es3 = new S3Client({ ...benchClientConfig(p.emu.endpoint, CONCURRENCY), forcePathStyle: true });
  const fs3 = new S3Client({ ...benchClientConfig(floor.endpoint, CONCURRENCY), forcePathStyle: true });
  try {
    // Warm-up, not counted: function environments started, connections open, this process's code paths
    // compiled. The function processes' V8 goes on warming up through the rounds (see cpuRounds).
    await pipelineRound(p, es3, warmup, 'warm');
    await floorRound(fs3, warmup);
    let round = 0;
    const cpu: CpuRounds = { emulator: [], functions: [], floor: [] };
    const r = await ratio(() => pipelineRound(p, es3, perRound, `r${round++}`, cpu), () => floorRound(fs3, perRound, cpu), rounds);
    const functionProcesses = runtimeProcessCount();
    const ms = (xs: number[]) => Number(median(xs).toFixed(2));
    return {
      objects: rounds * perRound,
      rounds,
      pipelinePerSec: Math.round(median(r.a)),
      floorPerSec: Math.round(median(r.b)),
      ratio: Number(r.median.toFixed(3)),
      roundRatios: r.ratios.map((x) => Number(x.toFixed(3))),
      pipelineRounds: r.a.map((x) => Number(x.toFixed(1))),
      floorRounds: r.b.map((x) => Number(x.toFixed(1))),
      cpuPerObject: {
        pipeline: { emulatorProcessMs: ms(cpu.emulator), ...(cpu.functions.length ? { functionsMs: ms(cpu.functions) } : {}) },
        floorMs: ms(cpu.floor),
      },
      cpuRounds: {
        emulator: cpu.emulator.map((x) => Number(x.toFixed(2))),
        functions: cpu.functions.map((x) => Number(x.toFixed(2))),
        floor: cpu.floor.map((x) => Number(x.toFixed(2))),
      },
      ...(functionProcesses !== undefined ? { functionProcesses } : {}),
      ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
    };
  } finally {
    es3.destroy();
    fs3.destroy();
    await floor.close();
    await p.stop();
  }
}
