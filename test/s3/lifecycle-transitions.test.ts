import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import * as SQS from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { failure } from './sdk-helpers';

/**
 * Lifecycle transitions on the emulator clock: at the due midnight a version's storage class changes (HeadObject,
 * ListObjectsV2, ListObjectVersions show it), `s3:LifecycleTransition` and EventBridge "Object Storage Class
 * Changed" are sent, and an archived class needs a restore to be read. The clock starts at noon on 1 January, so
 * Days N falls due at midnight starting day N + 2.
 */

const at = (day: number) => Date.UTC(2026, 0, day);
const BIG = Buffer.alloc(200 * 1024, 7); // over the 128 KiB default minimum for transitions

let clock: VirtualClock;
let emu: RunningEmulator;
let s3: S3Client;
let sqs: SQSClient;
let n = 0;

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1, 12));
  emu = await startEmulator({ port: 0, log: () => {}, clock });
  s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
});
afterEach(async () => {
  s3.destroy();
  sqs.destroy();
  await emu.stop();
});

const moveTo = (t: number) => clock.advance(t - clock.now());
async function bucket(versioning?: 'Enabled'): Promise<string> {
  const Bucket = `transitions-${++n}`;
  await s3.send(new S3.CreateBucketCommand({ Bucket }));
  if (versioning) await s3.send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: versioning } }));
  return Bucket;
}
const rules = (Bucket: string, Rules: S3.LifecycleRule[], TransitionDefaultMinimumObjectSize?: S3.TransitionDefaultMinimumObjectSize) =>
  s3.send(new S3.PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize }));
const put = (Bucket: string, Key: string, Body: Buffer | string = BIG) => s3.send(new S3.PutObjectCommand({ Bucket, Key, Body }));
const headClass = async (Bucket: string, Key: string, VersionId?: string) => (await s3.send(new S3.HeadObjectCommand({ Bucket, Key, VersionId }))).StorageClass ?? 'STANDARD';
const listed = async (Bucket: string) => Object.fromEntries(((await s3.send(new S3.ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => [o.Key, o.StorageClass]));

async function queueFor(Bucket: string, Events: S3.Event[]) {
  const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({ QueueName: `${Bucket}-events` }));
  const QueueArn = (await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await s3.send(new S3.PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { QueueConfigurations: [{ Id: 'transitions', QueueArn, Events }] } }));
  return { QueueUrl: QueueUrl!, QueueArn };
}
async function drain(QueueUrl: string, count: number): Promise<any[]> {
  const got: any[] = [];
  await waitFor(async () => {
    const r = await sqs.send(new SQS.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    for (const m of r.Messages ?? []) {
      const body = JSON.parse(m.Body!);
      got.push(...(body.Records ?? [body]));
      await sqs.send(new SQS.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    return got.length >= count;
  }, { what: `${count} messages`, describe: () => JSON.stringify(got) });
  return got;
}

describe('Transitions of current versions', () => {
  it('moves down the waterfall at each due midnight; objects under 128 KiB stay; GLACIER then needs a restore', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'cool-down', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }] }]);
    const { QueueUrl } = await queueFor(Bucket, ['s3:LifecycleTransition']);
    const { ETag } = await put(Bucket, 'big');
    await put(Bucket, 'small', 'tiny');

    moveTo(at(32) - 1);
    expect(await listed(Bucket)).toEqual({ big: 'STANDARD', small: 'STANDARD' });
    moveTo(at(32));
    expect(await headClass(Bucket, 'big')).toBe('STANDARD_IA');
    expect(await listed(Bucket)).toEqual({ big: 'STANDARD_IA', small: 'STANDARD' });
    const got = await s3.send(new S3.GetObjectCommand({ Bucket, Key: 'big' }));
    expect((await got.Body!.transformToByteArray()).length).toBe(BIG.length);
    // Read before the next move: SQS drops messages older than its 4-day retention.
    const records = await drain(QueueUrl, 1);

    moveTo(at(92));
    expect(await listed(Bucket)).toEqual({ big: 'GLACIER', small: 'STANDARD' });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket, Key: 'big' })))).toMatchObject({ name: 'InvalidObjectState', status: 403 });
    records.push(...(await drain(QueueUrl, 1)));

    expect(records.map((r) => [r.eventName, r.eventTime, r.lifecycleEventData])).toEqual([
      ['LifecycleTransition', new Date(at(32)).toISOString(), { transitionEventData: { destinationStorageClass: 'STANDARD_IA' } }],
      ['LifecycleTransition', new Date(at(92)).toISOString(), { transitionEventData: { destinationStorageClass: 'GLACIER' } }],
    ]);
    expect(records[0]).toMatchObject({
      eventVersion: '2.3',
      userIdentity: { principalId: 's3.amazonaws.com' },
      requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
      s3: { object: { key: 'big', size: BIG.length, eTag: ETag!.replace(/"/g, '') } },
    });
    expect(records[0].s3.object.sequencer).toBeUndefined();
  });

  it('two transitions due the same day: the colder class, in one step', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [
      { ID: 'ia', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] },
      { ID: 'deep', Status: 'Enabled', Filter: { Prefix: 'k' }, Transitions: [{ Days: 30, StorageClass: 'DEEP_ARCHIVE' }] },
    ]);
    const { QueueUrl } = await queueFor(Bucket, ['s3:LifecycleTransition']);
    await put(Bucket, 'k');
    moveTo(at(32));
    expect(await headClass(Bucket, 'k')).toBe('DEEP_ARCHIVE');
    const records = await drain(QueueUrl, 1);
    // Nothing more comes for it (a later STANDARD_IA would be a move back up): a marker message sent after shows that.
    await sqs.send(new SQS.SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ marker: true }) }));
    records.push(...(await drain(QueueUrl, 1)));
    expect(records.map((r) => r.lifecycleEventData?.transitionEventData.destinationStorageClass ?? r.marker)).toEqual(['DEEP_ARCHIVE', true]);
  });

  it('unversioned: an expiration due the same day wins (deleted, not moved); versioned: moved, then the delete marker', async () => {
    const plain = await bucket();
    const versioned = await bucket('Enabled');
    const both: S3.LifecycleRule[] = [
      { ID: 'expire', Status: 'Enabled', Filter: {}, Expiration: { Days: 30 } },
      { ID: 'archive', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
    ];
    await rules(plain, both);
    await rules(versioned, both);
    const plainQueue = await queueFor(plain, ['s3:LifecycleTransition', 's3:LifecycleExpiration:*']);
    await put(plain, 'k');
    const { VersionId } = await put(versioned, 'k');
    moveTo(at(32));
    expect(await listed(plain)).toEqual({});
    expect((await drain(plainQueue.QueueUrl, 1)).map((r) => r.eventName)).toEqual(['LifecycleExpiration:Delete']);
    const versions = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: versioned }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.StorageClass, v.IsLatest])).toEqual([[VersionId, 'GLACIER', false]]);
    expect(versions.DeleteMarkers?.map((m) => m.IsLatest)).toEqual([true]);
  });
});

describe('NoncurrentVersionTransitions', () => {
  it('NoncurrentDays from when the successor was written, NewerNoncurrentVersions kept; varies_by_storage_class lets small objects reach GLACIER', async () => {
    const Bucket = await bucket('Enabled');
    await rules(Bucket, [{ ID: 'old', Status: 'Enabled', Filter: {}, NoncurrentVersionTransitions: [{ NoncurrentDays: 5, StorageClass: 'GLACIER', NewerNoncurrentVersions: 1 }] }], 'varies_by_storage_class');
    const v1 = (await put(Bucket, 'k', 'one')).VersionId!;
    const v2 = (await put(Bucket, 'k', 'two')).VersionId!;
    moveTo(at(3) + 6 * 3_600_000); // the 3rd, 06:00
    const v3 = (await put(Bucket, 'k', 'three')).VersionId!;
    const classes = async () => Object.fromEntries(((await s3.send(new S3.ListObjectVersionsCommand({ Bucket }))).Versions ?? []).map((v) => [v.VersionId, v.StorageClass]));
    // v1 became noncurrent at noon on the 1st: 5 days later, rounded up, is the 7th. v2 (noncurrent since the 3rd) is kept.
    moveTo(at(7) - 1);
    expect(await classes()).toEqual({ [v1]: 'STANDARD', [v2]: 'STANDARD', [v3]: 'STANDARD' });
    moveTo(at(7));
    expect(await classes()).toEqual({ [v1]: 'GLACIER', [v2]: 'STANDARD', [v3]: 'STANDARD' });
    expect(await headClass(Bucket, 'k', v1)).toBe('GLACIER');
    moveTo(at(30));
    // v2 is the one newer noncurrent version kept in its class; the current version never moves under this rule.
    expect(await classes()).toEqual({ [v1]: 'GLACIER', [v2]: 'STANDARD', [v3]: 'STANDARD' });
  });
});

describe('EventBridge', () => {
  it('a transition reaches the default bus as Object Storage Class Changed with destination-storage-class', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'ia', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] }]);
    await s3.send(new S3.PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({ QueueName: 'eb-transitions' }));
    const QueueArn = (await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const events = new EventBridgeClient(clientConfig(emu));
    await events.send(new PutRuleCommand({ Name: 'class-changed', EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Storage Class Changed'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'class-changed', Targets: [{ Id: 'q', Arn: QueueArn }] }));
    events.destroy();
    const { ETag } = await put(Bucket, 'k');
    moveTo(at(32));
    const [event] = await drain(QueueUrl!, 1);
    expect(event['detail-type']).toBe('Object Storage Class Changed');
    expect(event.detail).toEqual({
      version: '0',
      bucket: { name: Bucket },
      object: { key: 'k', size: BIG.length, etag: ETag!.replace(/"/g, '') },
      'request-id': event.detail['request-id'],
      requester: 's3.amazonaws.com',
      'destination-storage-class': 'STANDARD_IA',
    });
  });
});
