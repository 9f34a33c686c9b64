import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { SeededRandom } from '../../emulator/core/random';
import { ensureStopped, spawnCli, type CliProcess } from '../reliability/helpers';

/**
 * `serve --data-dir`, killed with SIGKILL in the middle of S3 and SQS traffic, then started again on the
 * same directory: every acknowledged object is there byte for byte, every object there is whole (one of the
 * bodies written to its key, never a mix), every acknowledged message is there once, and messages received
 * before the kill are still in flight with their receive count.
 */

const config = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

let dir: string;
let server: CliProcess | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-kill-'));
});
afterAll(async () => {
  await ensureStopped(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps every acknowledged write through a kill -9 mid-load', async () => {
  server = spawnCli(['serve', '--port', '0', '--data-dir', dir]);
  let endpoint = await server.ready();
  let s3 = new S3Client({ ...config(endpoint), forcePathStyle: true });
  let sqs = new SQSClient(config(endpoint));
  await s3.send(new CreateBucketCommand({ Bucket: 'load' }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'load', Attributes: { VisibilityTimeout: '900' } }));

  const random = new SeededRandom(11);
  /** Every body sent to a key (acknowledged or not), and the last acknowledged one. */
  const attempted = new Map<string, Set<string>>();
  const ackedPut = new Map<string, string>();
  const ackedSend = new Set<string>();
  const received = new Map<string, number>();
  let stop = false;

  const putWorker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      // A few keys are written again and again (atomic replacement); most are new. Some bodies go to blob files.
      const key = i % 5 === 0 ? `hot/${w}` : `k/${w}/${i}`;
      const size = i % 7 === 0 ? random.int(70_000, 120_000) : random.int(1, 4000);
      const body = Buffer.alloc(size, `${w}:${i}:`);
      if (!attempted.has(key)) attempted.set(key, new Set());
      attempted.get(key)!.add(md5(body));
      try {
        await s3.send(new PutObjectCommand({ Bucket: 'load', Key: key, Body: body }));
        ackedPut.set(key, md5(body));
      } catch {
        return;
      }
    }
  };
  const sendWorker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const body = `message ${w}/${i}`;
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
        ackedSend.add(body);
      } catch {
        return;
      }
    }
  };
  const receiveWorker = async () => {
    while (!stop) {
      try {
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
        for (const m of got.Messages ?? []) received.set(m.Body!, Number(m.Attributes!.ApproximateReceiveCount));
      } catch {
        return;
      }
    }
  };
  const workers = [
    ...Array.from({ length: 12 }, (_, w) => putWorker(w)),
    ...Array.from({ length: 8 }, (_, w) => sendWorker(w)),
    receiveWorker(),
  ];
  await waitFor(() => ackedPut.size >= 300 && ackedSend.size >= 300 && received.size >= 20, { timeoutMs: 60_000, what: 'load to get going' });
  server.child.kill('SIGKILL');
  stop = true;
  await server.exited;
  await Promise.all(workers);
  s3.destroy();
  sqs.destroy();

  server = spawnCli(['serve', '--port', '0', '--data-dir', dir]);
  endpoint = await server.ready();
  s3 = new S3Client({ ...config(endpoint), forcePathStyle: true });
  sqs = new SQSClient(config(endpoint));

  // Objects: every acknowledged put readable with its bytes; everything present is one whole body.
  for (const [key, digest] of ackedPut) {
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'load', Key: key }))).Body!.transformToByteArray());
    if (!key.startsWith('hot/')) expect(md5(got)).toBe(digest);
    else expect(attempted.get(key)!.has(md5(got))).toBe(true);
  }
  let listed = 0;
  for (let token: string | undefined, first = true; first || token; first = false) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'load', ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      listed++;
      const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'load', Key: o.Key }))).Body!.transformToByteArray());
      expect(attempted.get(o.Key!)?.has(md5(got))).toBe(true);
      expect(o.ETag).toBe(`"${md5(got)}"`);
    }
    token = page.NextContinuationToken;
  }
  expect(listed).toBeGreaterThanOrEqual(ackedPut.size);

  // Messages: every acknowledged send there exactly once; received ones still in flight with their count.
  const peek = (await (await fetch(`${endpoint}/_harness/queues/peek?queue=load`)).json()) as {
    messages: { body: string; state: string; attributes: Record<string, string> }[];
  };
  const bodies = peek.messages.map((m) => m.body);
  expect(new Set(bodies).size).toBe(bodies.length);
  for (const body of ackedSend) expect(bodies).toContain(body);
  for (const [body, count] of received) {
    const m = peek.messages.find((x) => x.body === body)!;
    expect(m.state).toBe('inflight');
    expect(Number(m.attributes.ApproximateReceiveCount)).toBe(count);
  }
  s3.destroy();
  sqs.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
}, 120_000);
