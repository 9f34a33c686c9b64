import { Agent } from 'node:http';
import { S3Client, CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startChildEmulator } from './lib/child-emulator';
import { median, timeIt } from './lib/measure';
import { rawFill, rawPutObject, rawSendMessageBatch } from './lib/raw-fill';

/**
 * Scale. The emulator runs alone in a child process (bench/lib/emulator-child.ts), so the RSS figures are
 * the emulator's own, not the client's. Two phases:
 *   1. A bucket filled with 1 KiB objects to 1k, 10k and 100k. At each size: the emulator's RSS (after a
 *      full GC) and the latency of one ListObjectsV2 page (MaxKeys 1,000, starting half a page before the middle
 *      of the key space, so every size lists a full page — 999 keys at 1k; median of 41 after 10 untimed). At 100k this RSS is
 *      "RSS holding 100,000 objects of 1 KiB".
 *   2. Then, with the 100k objects still there, a queue filled to 1k, 10k and 100k messages (VisibilityTimeout
 *      1 h, so received messages stay out of the way). At each size: RSS and the latency of a ReceiveMessage
 *      of 10 (median of 15).
 * List and receive latency must stay flat as the store grows; the figure quoted is latency at the largest
 * size divided by latency at the smallest. The stores are filled with plain HTTP requests (bench/lib/raw-fill.ts)
 * to keep the client out of the way; the measured calls use the official clients.
 */
export interface ScalePoint {
  size: number;
  rssMb: number;
  ms: number;
}

export interface ScaleFigures {
  objects: ScalePoint[];
  messages: ScalePoint[];
  /** RSS of the emulator process holding the largest number of 1 KiB objects (and nothing else). */
  rssForObjectsMb: number;
  objectCount: number;
  listFlatness: number;
  receiveFlatness: number;
  /** RSS of a fresh emulator, before anything is stored. */
  baselineRssMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1e6);
const SAMPLES = 41;
/** Untimed calls before each timed set, so the client's code paths are as warm at 1k as at 100k. */
const WARMUP = 10;

export async function benchScale(opts: { quick: boolean }): Promise<ScaleFigures> {
  const sizes = opts.quick ? [100, 1000] : [1000, 10_000, 100_000];
  // Every size lists a page of the same length (1,000 keys; 100 in --quick), so only the store size varies.
  const pageSize = Math.min(1000, sizes[0]!);
  const child = await startChildEmulator();
  const config = {
    endpoint: child.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 4 }) }),
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const body = Buffer.alloc(1024, 'x');
  const objects: ScalePoint[] = [];
  const messages: ScalePoint[] = [];
  try {
    const baselineRssMb = mb((await child.rss()).rss);
    await s3.send(new CreateBucketCommand({ Bucket: 'scale' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'scale', Attributes: { VisibilityTimeout: '3600' } }));
    const key = (i: number) => `obj/${String(i).padStart(7, '0')}`;

    let stored = 0;
    for (const size of sizes) {
      const from = stored;
      await rawFill(child.endpoint, size - from, 32, (i) => rawPutObject('scale', key(from + i), body));
      stored = size;
      const rss = (await child.rss()).rss;
      const startAfter = key(Math.max(0, Math.floor(size / 2) - pageSize / 2));
      const list = () => s3.send(new ListObjectsV2Command({ Bucket: 'scale', StartAfter: startAfter, MaxKeys: pageSize }));
      for (let r = 0; r < WARMUP; r++) await list();
      const times: number[] = [];
      for (let r = 0; r < SAMPLES; r++) times.push((await timeIt(list))[1]);
      objects.push({ size, rssMb: mb(rss), ms: Number(median(times).toFixed(2)) });
    }

    let sent = 0;
    for (const size of sizes) {
      const from = sent;
      const batches = Math.ceil((size - from) / 10);
      await rawFill(child.endpoint, batches, 32, (b) => rawSendMessageBatch(QueueUrl!, Array.from({ length: 10 }, (_, j) => `m${from + b * 10 + j}`)));
      sent = from + batches * 10;
      const rss = (await child.rss()).rss;
      const receive = () => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (let r = 0; r < WARMUP; r++) await receive();
      const times: number[] = [];
      for (let r = 0; r < SAMPLES; r++) times.push((await timeIt(receive))[1]);
      messages.push({ size, rssMb: mb(rss), ms: Number(median(times).toFixed(2)) });
    }
    return {
      objects,
      messages,
      rssForObjectsMb: objects.at(-1)!.rssMb,
      objectCount: sizes.at(-1)!,
      listFlatness: Number((objects.at(-1)!.ms / objects[0]!.ms).toFixed(2)),
      receiveFlatness: Number((messages.at(-1)!.ms / messages[0]!.ms).toFixed(2)),
      baselineRssMb,
    };
  } finally {
    s3.destroy();
    sqs.destroy();
    await child.stop();
  }
}
