import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator } from '../emulator';
import { TOPOLOGIES, type Topology } from '../deploy-scripts/pipeline';
import { percentile } from './lib/measure';
import { benchClientConfig, deployPipeline, objectKey, timeOneObject } from './lib/pipeline';

/**
 * End-to-end latency, warm: PutObject (the clock starts just before the client sends it) → the last report
 * of that object written (seen on the emulator's trace bus: one report for direct and queue; three for
 * fanout, where processor, audit and archive each write one — the object counts once all three are done).
 * Objects go one at a time, each after the previous one is fully processed. The topologies (eventbridge too) are
 * deployed side by side on one emulator (deploys in parallel, to save setup time; an idle pipeline does no
 * work) and measured one after the other. Before measuring, each topology gets warm-up objects that are not
 * counted (function environments started, connection open, code paths compiled). Mappings use batching
 * window 0 (AWS's default). 1,000 objects per topology, the size, in the default run too (about 30 s
 * for the three topologies here).
 */
export interface LatencyFigures {
  objects: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function benchLatency(opts: { quick: boolean }): Promise<Record<Topology, LatencyFigures>> {
  const objects = opts.quick ? 20 : 1000;
  const warmup = opts.quick ? 3 : 20;
  const emu = await startEmulator({ port: 0, log: () => undefined });
  const s3 = new S3Client({ ...benchClientConfig(emu.endpoint, 1), forcePathStyle: true });
  const pipelines = await Promise.all(TOPOLOGIES.map((t) => deployPipeline(emu, t)));
  const out = {} as Record<Topology, LatencyFigures>;
  try {
    for (const p of pipelines) {
      for (let i = 0; i < warmup; i++) await timeOneObject(p, s3, objectKey(i, 'warm'));
      const times: number[] = [];
      for (let i = 0; i < objects; i++) times.push(await timeOneObject(p, s3, objectKey(i, 'lat')));
      const r = (x: number) => Number(x.toFixed(2));
      out[p.spec.topology] = { objects, p50Ms: r(percentile(times, 50)), p95Ms: r(percentile(times, 95)), p99Ms: r(percentile(times, 99)), maxMs: r(Math.max(...times)) };
    }
    return out;
  } finally {
    s3.destroy();
    for (const p of pipelines) p.close();
    await emu.stop();
  }
}
