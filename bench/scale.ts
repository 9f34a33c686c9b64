import { Agent } from 'node:http';
import { S3Client, CreateBucketCommand, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, SendMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator } from '../emulator';
import { median, throughput, timeIt } from './lib/measure';

/**
 * Scale: a bucket and a queue filled to 1k, 10k and 100k entries. At each size: process RSS, and the latency
 * of a ListObjectsV2 page (1,000 keys, from the middle of the key space) and of a ReceiveMessage. These must
 * stay flat as the store grows.
 */
export interface ScalePoint {
  size: number;
  rssMb: number;
  listPageMs: number;
  receiveMs: number;
}

export async function benchScale(opts: { quick: boolean }): Promise<{ points: ScalePoint[]; rssFor100kObjectsMb?: number }> {
  const sizes = opts.quick ? [100, 1000] : [1000, 10_000, 100_000];
  const emu = await startEmulator({ port: 0, log: () => undefined });
  const config = {
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const body = Buffer.alloc(1024, 'x');
  const points: ScalePoint[] = [];
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'scale' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'scale', Attributes: { VisibilityTimeout: '3600' } }));
    let objects = 0;
    let messages = 0;
    for (const size of sizes) {
      const addObjects = size - objects;
      await throughput((i) => s3.send(new PutObjectCommand({ Bucket: 'scale', Key: `obj/${String(objects + i).padStart(7, '0')}`, Body: body })), addObjects, 64);
      objects = size;
      const batches = Math.ceil((size - messages) / 10);
      await throughput(
        (b) => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: `m${messages + b * 10 + j}` })) })),
        batches,
        32,
      );
      messages += batches * 10;
      (global as any).gc?.();
      const listTimes: number[] = [];
      const receiveTimes: number[] = [];
      for (let r = 0; r < 15; r++) {
        const start = `obj/${String(Math.floor(size / 2)).padStart(7, '0')}`;
        listTimes.push((await timeIt(() => s3.send(new ListObjectsV2Command({ Bucket: 'scale', StartAfter: start, MaxKeys: 1000 }))))[1]);
        receiveTimes.push((await timeIt(() => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))))[1]);
      }
      points.push({ size, rssMb: Math.round(process.memoryUsage().rss / 1e6), listPageMs: Number(median(listTimes).toFixed(2)), receiveMs: Number(median(receiveTimes).toFixed(2)) });
    }
    return { points, rssFor100kObjectsMb: sizes.includes(100_000) ? points.at(-1)!.rssMb : undefined };
  } finally {
    await emu.stop();
  }
}
