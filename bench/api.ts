import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { SNSClient, CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator } from '../emulator';
import { median, ratio, throughput } from './lib/measure';
import { startFloorServer, type Responder } from './lib/floor-server';

/**
 * API throughput with the official clients at concurrency 32: the emulator as a ratio to a do-nothing server
 * (same client, same run, interleaved rounds), and S3 against s3rver.
 *
 * Each case: a warm-up of both sides (not counted), then `rounds` rounds of `total` operations per side,
 * alternating which side goes first; the quoted ratio is the median round's. One "operation" of
 * "SQS send+receive+delete" is three requests. The warm-up is 1,000 operations per side (both sides' code
 * paths still speed up over the first few hundred). Default run: 400 operations × 10 rounds per case (short
 * rounds, so each pair of rounds sees the same machine; ten, so the median stands against a noisy pair), to
 * fit the 5-minute budget of `npm run bench` on this 2-core machine; `--full` runs 4,000 × 5, which takes over
 * 3 minutes here; quick: 50 × 1, warm-up 50.
 */
const CONCURRENCY = 32;
const KIB = Buffer.alloc(1024, 'x');

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) }),
});

/** Answers each operation with the smallest response the client accepts (MD5s included: the SQS client checks them). */
function floorResponse(req: import('node:http').IncomingMessage, body: Buffer): ReturnType<Responder> {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (target.endsWith('.SendMessage')) {
    const md5 = createHash('md5').update(JSON.parse(body.toString()).MessageBody).digest('hex');
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ MessageId: 'm', MD5OfMessageBody: md5 }) };
  }
  if (target.endsWith('.ReceiveMessage')) {
    const md5 = createHash('md5').update('hello').digest('hex');
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: 'hello', MD5OfBody: md5 }] }) };
  }
  if (target) return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
  if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
    return { status: 200, headers: { 'content-type': 'text/xml' }, body: '<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>' };
  }
  if (req.method === 'GET') return { status: 200, headers: { 'content-type': 'application/octet-stream', etag: '"e"' }, body: KIB };
  return { status: 200, headers: { etag: '"e"' }, body: '' };
}

export interface ApiFigures {
  [name: string]: { emulatorPerSec: number; floorPerSec: number; ratio: number; rounds: number[]; emulatorRounds: number[]; floorRounds: number[] };
}

export interface S3rverFigures {
  [name: string]: { emulatorPerSec: number; s3rverPerSec: number; ratio: number; rounds: number[]; emulatorRounds: number[]; s3rverRounds: number[] };
}

export async function benchApi(opts: { quick: boolean; total?: number; rounds?: number }): Promise<{ figures: ApiFigures; s3rver: S3rverFigures }> {
  const total = opts.total ?? (opts.quick ? 50 : 400);
  const warmup = opts.quick ? total : 1000;
  const rounds = opts.rounds ?? (opts.quick ? 1 : 10);
  const emu = await startEmulator({ port: 0, log: () => undefined });
  const floor = await startFloorServer(floorResponse);
  const figures: ApiFigures = {};
  try {
    const es3 = new S3Client({ ...clientConfig(emu.endpoint), forcePathStyle: true });
    const fs3 = new S3Client({ ...clientConfig(floor.endpoint), forcePathStyle: true });
    await es3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const esqs = new SQSClient(clientConfig(emu.endpoint));
    const fsqs = new SQSClient(clientConfig(floor.endpoint));
    const { QueueUrl } = await esqs.send(new CreateQueueCommand({ QueueName: 'bench' }));
    const esns = new SNSClient(clientConfig(emu.endpoint));
    const fsns = new SNSClient(clientConfig(floor.endpoint));
    const { TopicArn } = await esns.send(new CreateTopicCommand({ Name: 'bench' }));

    const cases: [string, (c: 'e' | 'f') => (i: number) => Promise<unknown>][] = [
      ['S3 PutObject 1 KiB', (c) => (i) => (c === 'e' ? es3 : fs3).send(new PutObjectCommand({ Bucket: 'bench', Key: `k${i % 1000}`, Body: KIB }))],
      [
        'S3 GetObject 1 KiB',
        (c) => async (i) => {
          const r = await (c === 'e' ? es3 : fs3).send(new GetObjectCommand({ Bucket: 'bench', Key: `k${i % 1000}` }));
          await r.Body!.transformToByteArray();
        },
      ],
      [
        'SQS send+receive+delete',
        (c) => async () => {
          const client = c === 'e' ? esqs : fsqs;
          const url = c === 'e' ? QueueUrl! : `${floor.endpoint}/000000000000/bench`;
          await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello' }));
          const r = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
          const m = r.Messages?.[0];
          if (m) await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
        },
      ],
      ['SNS Publish', (c) => () => (c === 'e' ? esns : fsns).send(new PublishCommand({ TopicArn: c === 'e' ? TopicArn : 'arn:aws:sns:us-east-1:000000000000:bench', Message: 'hello' }))],
    ];
    for (const [name, make] of cases) {
      // Warm-up, not counted. The PutObject case also fills the keys k0…k{min(total,1000)-1} GetObject reads.
      await throughput(make('e'), warmup, CONCURRENCY);
      await throughput(make('f'), warmup, CONCURRENCY);
      const r = await ratio(() => throughput(make('e'), total, CONCURRENCY), () => throughput(make('f'), total, CONCURRENCY), rounds);
      figures[name] = { emulatorPerSec: Math.round(median(r.a)), floorPerSec: Math.round(median(r.b)), ratio: Number(r.median.toFixed(2)), rounds: r.ratios.map((x) => Number(x.toFixed(2))), emulatorRounds: r.a.map(Math.round), floorRounds: r.b.map(Math.round) };
    }
    return { figures, s3rver: await vsS3rver(total, rounds, warmup) };
  } finally {
    await floor.close();
    await emu.stop();
  }
}

/**
 * S3 PutObject and GetObject of 1 KiB against s3rver, same client settings for both; s3rver rejects current
 * checksum headers, hence WHEN_REQUIRED on both sides. s3rver only knows its own account, so both clients sign
 * with S3RVER/S3RVER (the emulator does not verify signatures by default). s3rver stores objects on disk (a temp
 * folder). The PutObject case (warm-up and rounds) writes the keys the GetObject case then reads.
 */
async function vsS3rver(total: number, rounds: number, warmup: number): Promise<S3rverFigures> {
  const S3rver = require('s3rver');
  const os = await import('node:os');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'bench' }] });
  const { port } = await server.run();
  const emu = await startEmulator({ port: 0, log: () => undefined });
  try {
    const settings = { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const };
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const a = new S3Client({ ...clientConfig(emu.endpoint), ...settings, credentials });
    const b = new S3Client({ ...clientConfig(`http://127.0.0.1:${port}`), ...settings, credentials });
    await a.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const keys = Math.min(1000, warmup);
    const cases: [string, (c: S3Client) => (i: number) => Promise<unknown>][] = [
      ['S3 PutObject 1 KiB', (c) => (i) => c.send(new PutObjectCommand({ Bucket: 'bench', Key: `k${i % keys}`, Body: KIB }))],
      [
        'S3 GetObject 1 KiB',
        (c) => async (i) => {
          const r = await c.send(new GetObjectCommand({ Bucket: 'bench', Key: `k${i % keys}` }));
          await r.Body!.transformToByteArray();
        },
      ],
    ];
    const figures: S3rverFigures = {};
    for (const [name, op] of cases) {
      await throughput(op(a), warmup, CONCURRENCY);
      await throughput(op(b), warmup, CONCURRENCY);
      const r = await ratio(() => throughput(op(a), total, CONCURRENCY), () => throughput(op(b), total, CONCURRENCY), rounds);
      figures[name] = { emulatorPerSec: Math.round(median(r.a)), s3rverPerSec: Math.round(median(r.b)), ratio: Number(r.median.toFixed(2)), rounds: r.ratios.map((x) => Number(x.toFixed(2))), emulatorRounds: r.a.map(Math.round), s3rverRounds: r.b.map(Math.round) };
    }
    return figures;
  } finally {
    await emu.stop();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
