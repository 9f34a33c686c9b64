import { Agent } from 'node:http';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator';
import { createClients, type AwsClients } from '../../deploy-scripts/clients';
import { deploy } from '../../deploy-scripts/deploy';
import type { PipelineSpec, Resources, Topology } from '../../deploy-scripts/pipeline';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { reportKeyFor } from '../../handlers/shared/report-key';

/**
 * A deployed pipeline on an in-process emulator, plus "wait until this object is fully processed":
 * every data-processor function in the topology has written the object's report (direct, queue: one
 * report; fanout: processor, audit and archive each write one, to three buckets). Completion is seen on
 * the emulator's trace bus (the `s3.write` hop of the report key), never by polling.
 */
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const REGION = 'us-east-1';

/** Client settings shared by every throughput comparison: keep-alive, one socket per worker. */
export function benchClientConfig(endpoint: string, concurrency: number) {
  return {
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) }),
  };
}

/** The notifications filter on `data/` + `.json`; this small JSON document is what every benchmark uploads. */
export const objectKey = (i: number, tag = 'o'): string => `data/${tag}-${String(i).padStart(6, '0')}.json`;
export const OBJECT_BODY = JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ id: i, name: `row ${i}`, value: i * 1.5 })));

/** Buckets the data processors write reports to (their REPORT_BUCKET), by deployed name. */
export function reportBuckets(spec: PipelineSpec, resources: Resources): string[] {
  const names = new Set<string>();
  for (const f of spec.functions) {
    if (f.code !== 'data-processor') continue;
    const target = f.environment?.REPORT_BUCKET;
    const id = target && typeof target === 'object' && 'bucketName' in target ? target.bucketName : spec.sourceBucket;
    names.add(resources.buckets[id]!.name);
  }
  return [...names];
}

/** Resolves when the report for `key` has been written to every bucket in `buckets`, with the hrtime (ns) of the last write. */
export class ReportWatcher {
  private readonly waiting = new Map<string, { left: Set<string>; resolve: (t: bigint) => void }>();
  private readonly unsubscribe: () => void;

  constructor(emu: RunningEmulator, private readonly buckets: string[]) {
    this.unsubscribe = emu.bus.onHop((hop) => {
      if (hop.type !== 's3.write') return;
      const w = this.waiting.get(hop.key as string);
      if (!w || !w.left.delete(hop.bucket as string)) return;
      if (w.left.size === 0) {
        this.waiting.delete(hop.key as string);
        w.resolve(process.hrtime.bigint());
      }
    });
  }

  /** Call before the upload, so no report can be missed. Rejects after `timeoutMs` naming the buckets still missing. */
  expect(objectKey: string, timeoutMs = 60_000): Promise<bigint> {
    const reportKey = reportKeyFor(objectKey);
    if (this.waiting.has(reportKey)) throw new Error(`already waiting for ${reportKey}`);
    return new Promise((resolve, reject) => {
      const left = new Set(this.buckets);
      // A benchmark deadline (not emulator logic): a broken pipeline fails the run instead of hanging it.
      const timer = setTimeout(() => {
        this.waiting.delete(reportKey);
        reject(new Error(`no report ${reportKey} within ${timeoutMs} ms in ${[...left].join(', ')}`));
      }, timeoutMs);
      this.waiting.set(reportKey, {
        left,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });
  }

  get pending(): number {
    return this.waiting.size;
  }

  close(): void {
    this.unsubscribe();
  }
}

export interface BenchPipeline {
  emu: RunningEmulator;
  clients: AwsClients;
  spec: PipelineSpec;
  resources: Resources;
  watcher: ReportWatcher;
  /** The bucket objects are uploaded to. */
  bucket: string;
  /** Closes the watcher and the deploy clients (not the emulator). */
  close(): void;
}

/** Deploys `topology` with the harness's own deploy() on a running emulator, batching window 0 (AWS's default). */
export async function deployPipeline(emu: RunningEmulator, topology: Topology, prefix = `bench-${topology}`): Promise<BenchPipeline> {
  const clients = createClients({ endpoint: emu.endpoint, region: REGION, credentials: CREDENTIALS });
  const spec = buildPipeline(topology, { prefix, batchWindowSeconds: 0 });
  const resources = await deploy(clients, spec);
  const watcher = new ReportWatcher(emu, reportBuckets(spec, resources));
  return {
    emu,
    clients,
    spec,
    resources,
    watcher,
    bucket: resources.sourceBucket,
    close() {
      watcher.close();
      clients.destroy();
    },
  };
}

/** A fresh emulator with one pipeline deployed; stop() stops both. */
export async function startPipeline(topology: Topology, opts: { prefix?: string; emulator?: StartOptions } = {}): Promise<BenchPipeline & { stop(): Promise<void> }> {
  const emu = await startEmulator({ port: 0, log: () => undefined, ...opts.emulator });
  const p = await deployPipeline(emu, topology, opts.prefix);
  return {
    ...p,
    async stop() {
      p.close();
      await emu.stop();
    },
  };
}

/** Uploads one object and resolves with the milliseconds from just before PutObject to the last report write. */
export async function timeOneObject(p: BenchPipeline, s3: S3Client, key: string): Promise<number> {
  const done = p.watcher.expect(key);
  const t0 = process.hrtime.bigint();
  await s3.send(new PutObjectCommand({ Bucket: p.bucket, Key: key, Body: OBJECT_BODY, ContentType: 'application/json' }));
  return Number((await done) - t0) / 1e6;
}
