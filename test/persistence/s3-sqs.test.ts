import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';

/**
 * `dataDir`: S3 and SQS state survives a stop and start on the same directory — objects and their
 * versions, metadata, tags, multipart results, bucket settings; queues, messages with their receive count,
 * in-flight visibility and receipt handles. (Killed outright with kill -9: see kill.test.ts.)
 */

let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} }));
const restart = async () => {
  await emu!.stop();
  return start();
};
const s3 = () => new S3Client({ ...clientConfig(emu!), forcePathStyle: true });
const sqs = () => new SQSClient(clientConfig(emu!));
const text = async (client: S3Client, Bucket: string, Key: string, VersionId?: string) =>
  (await client.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body!.transformToString();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-'));
  await start();
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('S3 across a restart', () => {
  it('keeps objects, versions, delete markers, metadata, tags, big bodies and bucket settings', async () => {
    let c = s3();
    await c.send(new CreateBucketCommand({ Bucket: 'keep' }));
    await c.send(new PutBucketVersioningCommand({ Bucket: 'keep', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await c.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a/b.txt', Body: 'one', Metadata: { colour: 'blue' }, ContentType: 'text/plain' }));
    await c.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a/b.txt', Body: 'two' }));
    await c.send(new PutObjectTaggingCommand({ Bucket: 'keep', Key: 'a/b.txt', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    const big = Buffer.alloc(300 * 1024, 7);
    await c.send(new PutObjectCommand({ Bucket: 'keep', Key: 'big.bin', Body: big }));
    await c.send(new PutObjectCommand({ Bucket: 'keep', Key: 'gone', Body: 'x' }));
    await c.send(new DeleteObjectCommand({ Bucket: 'keep', Key: 'gone' }));
    await c.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'keep',
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    c.destroy();

    c = (await restart(), s3());
    expect(await text(c, 'keep', 'a/b.txt')).toBe('two');
    const first = await c.send(new GetObjectCommand({ Bucket: 'keep', Key: 'a/b.txt', VersionId: v1.VersionId }));
    expect(await first.Body!.transformToString()).toBe('one');
    expect(first.Metadata).toEqual({ colour: 'blue' });
    expect(first.ContentType).toBe('text/plain');
    expect((await c.send(new GetObjectTaggingCommand({ Bucket: 'keep', Key: 'a/b.txt' }))).TagSet).toEqual([{ Key: 'k', Value: 'v' }]);
    const bigBack = Buffer.from(await (await c.send(new GetObjectCommand({ Bucket: 'keep', Key: 'big.bin' }))).Body!.transformToByteArray());
    expect(bigBack.equals(big)).toBe(true);
    const versions = await c.send(new ListObjectVersionsCommand({ Bucket: 'keep' }));
    expect(versions.Versions!.filter((v) => v.Key === 'a/b.txt')).toHaveLength(2);
    expect(versions.DeleteMarkers!.map((m) => m.Key)).toEqual(['gone']);
    expect((await c.send(new ListObjectsV2Command({ Bucket: 'keep' }))).Contents!.map((o) => o.Key)).toEqual(['a/b.txt', 'big.bin']);
    expect((await c.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'keep' }))).EventBridgeConfiguration).toEqual({});
    // Writes after the restart land next to the restored state, and survive the next one.
    await c.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a/a.txt', Body: 'after' }));
    c.destroy();
    c = (await restart(), s3());
    expect((await c.send(new ListObjectsV2Command({ Bucket: 'keep' }))).Contents!.map((o) => o.Key)).toEqual(['a/a.txt', 'a/b.txt', 'big.bin']);
    c.destroy();
  });

  it('keeps a completed multipart object and an upload still in progress', async () => {
    let c = s3();
    await c.send(new CreateBucketCommand({ Bucket: 'multi' }));
    const part = Buffer.alloc(5 * 1024 * 1024, 1);
    const done = await c.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'done' }));
    const p1 = await c.send(new UploadPartCommand({ Bucket: 'multi', Key: 'done', UploadId: done.UploadId, PartNumber: 1, Body: part }));
    const p2 = await c.send(new UploadPartCommand({ Bucket: 'multi', Key: 'done', UploadId: done.UploadId, PartNumber: 2, Body: 'tail' }));
    const completed = await c.send(
      new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'done', UploadId: done.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
    );
    const open = await c.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'open' }));
    const o1 = await c.send(new UploadPartCommand({ Bucket: 'multi', Key: 'open', UploadId: open.UploadId, PartNumber: 1, Body: part }));
    c.destroy();

    c = (await restart(), s3());
    const head = await c.send(new HeadObjectCommand({ Bucket: 'multi', Key: 'done' }));
    expect(head.ETag).toBe(completed.ETag);
    expect(head.ContentLength).toBe(part.length + 4);
    const o2 = await c.send(new UploadPartCommand({ Bucket: 'multi', Key: 'open', UploadId: open.UploadId, PartNumber: 2, Body: 'end' }));
    await c.send(
      new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'open', UploadId: open.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: o1.ETag }, { PartNumber: 2, ETag: o2.ETag }] } }),
    );
    expect((await c.send(new HeadObjectCommand({ Bucket: 'multi', Key: 'open' }))).ContentLength).toBe(part.length + 3);
    c.destroy();
  });
});

describe('SQS across a restart', () => {
  it('keeps messages, receive counts, in-flight visibility and receipt handles', async () => {
    let c = sqs();
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'keep', Attributes: { VisibilityTimeout: '600' } }));
    for (const body of ['m1', 'm2', 'm3']) await c.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: { n: { DataType: 'String', StringValue: body }, b: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 254]) } } }));
    const got = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    const inFlight = got.Messages![0]!;
    c.destroy();

    c = (await restart(), sqs());
    const attrs = await c.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({ VisibilityTimeout: '600', ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' });
    // The receipt handle from before the restart still works: make it visible again, then receive it a second time.
    await c.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: inFlight.ReceiptHandle, VisibilityTimeout: 0 }));
    const all = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    const byBody = new Map(all.Messages!.map((m) => [m.Body, m]));
    expect([...byBody.keys()].sort()).toEqual(['m1', 'm2', 'm3']);
    expect(byBody.get(inFlight.Body)!.Attributes!.ApproximateReceiveCount).toBe('2');
    expect(byBody.get('m2')!.MessageAttributes!.n!.StringValue).toBe('m2');
    expect([...byBody.get('m2')!.MessageAttributes!.b!.BinaryValue!]).toEqual([0, 1, 254]);
    expect(byBody.get(inFlight.Body)!.MessageId).toBe(inFlight.MessageId);
    await c.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: byBody.get('m3')!.ReceiptHandle }));
    c.destroy();

    c = (await restart(), sqs());
    const after = await c.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(after.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '2' });
    c.destroy();
  });

  it("answers a retried FIFO ReceiveRequestAttemptId with the same messages and handles after a restart", async () => {
    let c = sqs();
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'attempts.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
    for (const body of ['a', 'b', 'c']) await c.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: body }));
    const receive = () => c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-1' }));
    const first = await receive();
    c.destroy();

    c = (await restart(), sqs());
    // The answer was lost in transit: the consumer retries with the same attempt id and gets it again.
    const retried = await receive();
    expect(retried.Messages?.map((m) => [m.Body, m.ReceiptHandle])).toEqual(first.Messages?.map((m) => [m.Body, m.ReceiptHandle]));
    expect(retried.Messages).toHaveLength(2);
    // A new attempt id takes the message left.
    const next = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-2' }));
    expect(next.Messages?.map((m) => m.Body)).toEqual(['c']);
    c.destroy();
  });

  it('forgets a deleted queue and its messages, also when one of the same name is created again', async () => {
    let c = sqs();
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'again' }));
    await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'old' }));
    await c.send(new DeleteQueueCommand({ QueueUrl }));
    await c.send(new CreateQueueCommand({ QueueName: 'again' }));
    await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'new' }));
    c.destroy();

    c = (await restart(), sqs());
    const got = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(got.Messages!.map((m) => m.Body)).toEqual(['new']);
    c.destroy();
  });

  it('a reset empties the data directory too', async () => {
    let c = sqs();
    await c.send(new CreateQueueCommand({ QueueName: 'reset-me' }));
    c.destroy();
    await emu!.reset();
    c = (await restart(), sqs());
    await expect(c.send(new GetQueueAttributesCommand({ QueueUrl: `${emu!.endpoint}/000000000000/reset-me` }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    c.destroy();
  });
});
