import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { SNSClient, CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator } from '../emulator';
import { ratio, throughput } from './lib/measure';
import { startFloorServer, type Responder } from './lib/floor-server';

/**
 * API throughput with the official clients at concurrency 32: the emulator as a ratio to a do-nothing server
 * (same client, same run, interleaved rounds), and S3 against s3rver.
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
  [name: string]: { emulatorPerSec: number; floorPerSec: number; ratio: number; rounds: number[] };
}

export async function benchApi(opts: { quick: boolean }): Promise<{ figures: ApiFigures; s3rver?: { emulatorPerSec: number; s3rverPerSec: number; ratio: number } }> {
  const total = opts.quick ? 200 : 4000;
  const rounds = opts.quick ? 1 : 5;
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
      await throughput(make('e'), Math.min(total, 200), CONCURRENCY); // warm-up (also fills the keys GetObject reads)
      await throughput(make('f'), Math.min(total, 200), CONCURRENCY);
      const r = await ratio(() => throughput(make('e'), total, CONCURRENCY), () => throughput(make('f'), total, CONCURRENCY), rounds);
      figures[name] = { emulatorPerSec: Math.round(r.a[r.a.length >> 1]!), floorPerSec: Math.round(r.b[r.b.length >> 1]!), ratio: Number(r.median.toFixed(2)), rounds: r.ratios.map((x) => Number(x.toFixed(2))) };
    }
    return { figures, s3rver: await vsS3rver(total, rounds, es3) };
  } finally {
    await floor.close();
    await emu.stop();
  }
}

/** S3 PutObject against s3rver, same client settings; s3rver rejects current checksum headers, hence WHEN_REQUIRED. */
async function vsS3rver(total: number, rounds: number, _warm: S3Client) {
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
    const a = new S3Client({ ...clientConfig(emu.endpoint), ...settings });
    const b = new S3Client({ ...clientConfig(`http://127.0.0.1:${port}`), ...settings });
    await a.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const put = (c: S3Client) => (i: number) => c.send(new PutObjectCommand({ Bucket: 'bench', Key: `k${i % 1000}`, Body: KIB }));
    await throughput(put(a), 100, CONCURRENCY);
    await throughput(put(b), 100, CONCURRENCY);
    const r = await ratio(() => throughput(put(a), total, CONCURRENCY), () => throughput(put(b), total, CONCURRENCY), rounds);
    return { emulatorPerSec: Math.round(r.a[r.a.length >> 1]!), s3rverPerSec: Math.round(r.b[r.b.length >> 1]!), ratio: Number(r.median.toFixed(2)) };
  } finally {
    await emu.stop();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
