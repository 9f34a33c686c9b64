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
 * Lifecycle rules executed on the emulator's clock: a VirtualClock the test moves to just before and just after each
 * due time (days count from creation, rounded up to midnight UTC), with the official S3 and SQS clients. Lifecycle
 * events reach an SQS queue through the bucket's notification configuration.
 */

const START = Date.UTC(2026, 0, 1, 12); // Thu 1 Jan 2026, noon UTC
const at = (day: number, hour = 0, minute = 0, second = 0) => Date.UTC(2026, 0, day, hour, minute, second);

let clock: VirtualClock;
let emu: RunningEmulator;
let s3: S3Client;
let sqs: SQSClient;

/** Each test gets a fresh emulator whose clock starts at noon on 1 January (a VirtualClock only moves forward). */
beforeEach(async () => {
  clock = new VirtualClock(START);
  emu = await startEmulator({ port: 0, log: () => {}, clock });
  s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
});
afterEach(async () => {
  s3.destroy();
  sqs.destroy();
  await emu.stop();
});
let n = 0;

/** Moves the clock to an absolute time (never back). */
const moveTo = (t: number) => clock.advance(t - clock.now());

async function bucket(versioning?: 'Enabled' | 'Suspended', extra: Partial<S3.CreateBucketCommandInput> = {}): Promise<string> {
  const Bucket = `lifecycle-${++n}`;
  await s3.send(new S3.CreateBucketCommand({ Bucket, ...extra }));
  if (versioning) await s3.send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: versioning } }));
  return Bucket;
}

const rules = (Bucket: string, Rules: S3.LifecycleRule[]) => s3.send(new S3.PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
const put = (Bucket: string, Key: string, extra: Partial<S3.PutObjectCommandInput> = {}) => s3.send(new S3.PutObjectCommand({ Bucket, Key, Body: 'data', ...extra }));
const exists = async (Bucket: string, Key: string, VersionId?: string) =>
  s3.send(new S3.HeadObjectCommand({ Bucket, Key, VersionId })).then(
    () => true,
    (e) => (e.$metadata?.httpStatusCode === 404 || e.$metadata?.httpStatusCode === 405 ? false : Promise.reject(e)),
  );
const versionsOf = async (Bucket: string) => {
  const out = await s3.send(new S3.ListObjectVersionsCommand({ Bucket }));
  return [
    ...(out.Versions ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: false, modified: v.LastModified?.getTime() })),
    ...(out.DeleteMarkers ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: true, modified: v.LastModified?.getTime() })),
  ];
};

/** A queue receiving the bucket's lifecycle events; `records(count)` waits for that many. */
async function lifecycleQueue(Bucket: string, events = ['s3:LifecycleExpiration:*']) {
  const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({ QueueName: `${Bucket}-events` }));
  const attrs = await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await s3.send(
    new S3.PutBucketNotificationConfigurationCommand({
      Bucket,
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'lifecycle-events', QueueArn: attrs.Attributes!.QueueArn, Events: events as S3.Event[] }] },
    }),
  );
  const got: any[] = [];
  const pull = async () => {
    const r = await sqs.send(new SQS.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    for (const m of r.Messages ?? []) {
      const body = JSON.parse(m.Body!);
      if (body.Records) got.push(...body.Records);
      await sqs.send(new SQS.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  };
  return {
    async records(count: number) {
      await waitFor(async () => (await pull(), got.length >= count), { what: `${count} lifecycle records`, describe: () => JSON.stringify(got.map((r) => r.eventName)) });
      return got.splice(0, got.length);
    },
  };
}

describe('Expiration of current versions', () => {
  it('unversioned: deletes the object at creation + Days rounded up to midnight UTC, not before, and sends LifecycleExpiration:Delete', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'expire logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }]);
    const queue = await lifecycleQueue(Bucket);
    const written = await put(Bucket, 'logs/a.txt');
    await put(Bucket, 'keep/b.txt');
    // Noon on 1 January + 1 day is noon on 2 January: rounded up to midnight starting 3 January.
    const header = 'expiry-date="Sat, 03 Jan 2026 00:00:00 GMT", rule-id="expire%20logs"';
    expect(written.Expiration).toBe(header);
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'logs/a.txt' }))).Expiration).toBe(header);
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'keep/b.txt' }))).Expiration).toBeUndefined();

    moveTo(at(3) - 1000);
    expect(await exists(Bucket, 'logs/a.txt')).toBe(true);
    moveTo(at(3));
    expect(await exists(Bucket, 'logs/a.txt')).toBe(false);
    expect(await exists(Bucket, 'keep/b.txt')).toBe(true);

    const [record, ...rest] = await queue.records(1);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      eventVersion: '2.3',
      eventSource: 'aws:s3',
      eventTime: '2026-01-03T00:00:00.000Z',
      eventName: 'LifecycleExpiration:Delete',
      userIdentity: { principalId: 's3.amazonaws.com' },
      requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
      s3: { configurationId: 'lifecycle-events', bucket: { name: Bucket }, object: { key: 'logs/a.txt' } },
    });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(record.s3.object.size).toBeUndefined();
    expect(record.s3.object.versionId).toBeUndefined();
  });

  it('Expiration.Date: objects expire at that midnight; GetObject reports the date', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'on-the-5th', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date(at(5)) } }]);
    await put(Bucket, 'k');
    const got = await s3.send(new S3.GetObjectCommand({ Bucket, Key: 'k' }));
    await got.Body!.transformToString();
    expect(got.Expiration).toBe('expiry-date="Mon, 05 Jan 2026 00:00:00 GMT", rule-id="on-the-5th"');
    moveTo(at(5) - 1);
    expect(await exists(Bucket, 'k')).toBe(true);
    moveTo(at(5));
    expect(await exists(Bucket, 'k')).toBe(false);
  });

  it('versioning Enabled: a delete marker dated that midnight becomes current (LifecycleExpiration:DeleteMarkerCreated); the version stays', async () => {
    const Bucket = await bucket('Enabled');
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 2 } }]);
    const queue = await lifecycleQueue(Bucket);
    const { VersionId } = await put(Bucket, 'k');
    moveTo(at(4) - 1);
    expect(await exists(Bucket, 'k')).toBe(true);
    moveTo(at(4) + 5000);
    expect(await exists(Bucket, 'k')).toBe(false);
    const versions = await versionsOf(Bucket);
    const marker = versions.find((v) => v.marker)!;
    expect(marker).toMatchObject({ key: 'k', latest: true, modified: at(4) });
    expect(versions.find((v) => !v.marker)).toMatchObject({ id: VersionId, latest: false });
    const [record] = await queue.records(1);
    expect(record).toMatchObject({ eventName: 'LifecycleExpiration:DeleteMarkerCreated', s3: { object: { key: 'k', versionId: marker.id } } });
  });

  it('versioning Suspended: the null delete marker replaces the null version', async () => {
    const Bucket = await bucket('Suspended');
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }]);
    const queue = await lifecycleQueue(Bucket);
    await put(Bucket, 'k');
    moveTo(at(3));
    expect(await versionsOf(Bucket)).toEqual([{ key: 'k', id: 'null', latest: true, marker: true, modified: at(3) }]);
    const [record] = await queue.records(1);
    expect(record.eventName).toBe('LifecycleExpiration:DeleteMarkerCreated');
    expect(record.s3.object.versionId).toBeUndefined();
  });
});

describe('noncurrent versions and delete markers', () => {
  it('NoncurrentDays counts from when the version became noncurrent; NewerNoncurrentVersions keeps the newest ones', async () => {
    const Bucket = await bucket('Enabled');
    await rules(Bucket, [{ ID: 'old', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } }]);
    const queue = await lifecycleQueue(Bucket);
    const v1 = (await put(Bucket, 'k')).VersionId;
    const v2 = (await put(Bucket, 'k')).VersionId;
    moveTo(at(2, 12)); // v3 is written a day later: v2 becomes noncurrent on the 2nd
    const v3 = (await put(Bucket, 'k')).VersionId;
    const v4 = (await put(Bucket, 'k')).VersionId;
    // v1 became noncurrent on the 1st (due the 3rd) but is the oldest; v2 and v3 became noncurrent on the 2nd (due the 4th).
    moveTo(at(3) - 1);
    expect((await versionsOf(Bucket)).map((v) => v.id)).toEqual([v4, v3, v2, v1]);
    moveTo(at(3));
    expect((await versionsOf(Bucket)).map((v) => v.id)).toEqual([v4, v3, v2]);
    moveTo(at(4));
    // v3 is the one newer noncurrent version kept; v2 goes.
    expect((await versionsOf(Bucket)).map((v) => v.id)).toEqual([v4, v3]);
    const records = await queue.records(2);
    expect(records.map((r) => [r.eventName, r.s3.object.versionId])).toEqual([
      ['LifecycleExpiration:Delete', v1],
      ['LifecycleExpiration:Delete', v2],
    ]);
  });

  it('ExpiredObjectDeleteMarker removes a delete marker with no versions left, and leaves one that hides a version', async () => {
    const Bucket = await bucket('Enabled');
    await rules(Bucket, [{ ID: 'markers', Status: 'Enabled', Filter: {}, Expiration: { ExpiredObjectDeleteMarker: true } }]);
    const { VersionId } = await put(Bucket, 'lonely');
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'lonely' }));
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'lonely', VersionId }));
    await put(Bucket, 'hidden');
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'hidden' }));
    moveTo(at(2) - 1);
    expect((await versionsOf(Bucket)).filter((v) => v.marker).map((v) => v.key).sort()).toEqual(['hidden', 'lonely']);
    moveTo(at(2));
    const left = await versionsOf(Bucket);
    expect(left.map((v) => [v.key, v.marker]).sort()).toEqual([
      ['hidden', false],
      ['hidden', true],
    ]);
  });
});

describe('Object Lock', () => {
  it('a locked version gets a delete marker but is not deleted: a retention until it ends, a legal hold until it is lifted', async () => {
    const Bucket = await bucket(undefined, { ObjectLockEnabledForBucket: true });
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
    const retainUntil = new Date(at(10, 12));
    const retained = (await put(Bucket, 'retained', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil })).VersionId!;
    const held = (await put(Bucket, 'held', { ObjectLockLegalHoldStatus: 'ON' })).VersionId!;
    const free = (await put(Bucket, 'free')).VersionId!;
    moveTo(at(3));
    expect(await exists(Bucket, 'retained')).toBe(false); // a delete marker on top
    moveTo(at(4));
    expect(await exists(Bucket, 'retained', retained)).toBe(true);
    expect(await exists(Bucket, 'held', held)).toBe(true);
    expect(await exists(Bucket, 'free', free)).toBe(false);
    moveTo(at(10, 12) - 1000);
    expect(await exists(Bucket, 'retained', retained)).toBe(true);
    moveTo(at(10, 12));
    expect(await exists(Bucket, 'retained', retained)).toBe(false);
    expect(await exists(Bucket, 'held', held)).toBe(true);
    await s3.send(new S3.PutObjectLegalHoldCommand({ Bucket, Key: 'held', VersionId: held, LegalHold: { Status: 'OFF' } }));
    clock.advance(0);
    expect(await exists(Bucket, 'held', held)).toBe(false);
  });
});

describe('incomplete multipart uploads', () => {
  it('CreateMultipartUpload reports the abort date and rule; the upload is aborted then', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'abort-uploads', Status: 'Enabled', Filter: { Prefix: 'up/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }]);
    const created = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'up/big' }));
    const other = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'elsewhere/big' }));
    expect([created.AbortDate?.getTime(), created.AbortRuleId]).toEqual([at(4), 'abort-uploads']);
    expect(other.AbortDate).toBeUndefined();
    const parts = await s3.send(new S3.ListPartsCommand({ Bucket, Key: 'up/big', UploadId: created.UploadId }));
    expect([parts.AbortDate?.getTime(), parts.AbortRuleId]).toEqual([at(4), 'abort-uploads']);
    moveTo(at(4) - 1);
    expect((await s3.send(new S3.ListMultipartUploadsCommand({ Bucket }))).Uploads?.map((u) => u.Key).sort()).toEqual(['elsewhere/big', 'up/big']);
    moveTo(at(4));
    expect((await s3.send(new S3.ListMultipartUploadsCommand({ Bucket }))).Uploads?.map((u) => u.Key)).toEqual(['elsewhere/big']);
    expect(await failure(s3.send(new S3.UploadPartCommand({ Bucket, Key: 'up/big', UploadId: created.UploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('CompleteMultipartUpload and CopyObject report x-amz-expiration for the new object', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [{ ID: 'all', Status: 'Enabled', Filter: {}, Expiration: { Days: 3 } }]);
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const part = await s3.send(new S3.UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'x' }));
    const done = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(done.Expiration).toBe('expiry-date="Mon, 05 Jan 2026 00:00:00 GMT", rule-id="all"');
    const copied = await s3.send(new S3.CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/mp` }));
    expect(copied.Expiration).toBe('expiry-date="Mon, 05 Jan 2026 00:00:00 GMT", rule-id="all"');
  });
});

describe('filters and status', () => {
  it('Prefix (legacy and Filter), Tag, And (prefix, tags, sizes), size bounds; a Disabled rule does nothing', async () => {
    const Bucket = await bucket();
    await rules(Bucket, [
      { ID: 'legacy', Status: 'Enabled', Prefix: 'legacy/', Expiration: { Days: 1 } },
      { ID: 'tag', Status: 'Enabled', Filter: { Tag: { Key: 'tmp', Value: 'yes' } }, Expiration: { Days: 1 } },
      { ID: 'and', Status: 'Enabled', Filter: { And: { Prefix: 'and/', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], ObjectSizeGreaterThan: 2, ObjectSizeLessThan: 10 } }, Expiration: { Days: 1 } },
      { ID: 'big', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 100 }, Expiration: { Days: 1 } },
      { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'off/' }, Expiration: { Days: 1 } },
    ]);
    const expected: Record<string, boolean> = {};
    const add = async (Key: string, expires: boolean, extra: Partial<S3.PutObjectCommandInput> = {}) => {
      await put(Bucket, Key, extra);
      expected[Key] = !expires;
    };
    await add('legacy/x', true);
    await add('other/x', false);
    await add('tagged', true, { Tagging: 'tmp=yes&z=1' });
    await add('tagged-other-value', false, { Tagging: 'tmp=no' });
    await add('and/match', true, { Tagging: 'a=1&b=2&c=3', Body: 'hello' });
    await add('and/missing-tag', false, { Tagging: 'a=1', Body: 'hello' });
    await add('and/too-big', false, { Tagging: 'a=1&b=2', Body: 'x'.repeat(10) });
    await add('and/too-small', false, { Tagging: 'a=1&b=2', Body: 'hi' });
    await add('big', true, { Body: 'x'.repeat(101) });
    await add('exactly-100', false, { Body: 'x'.repeat(100) });
    await add('off/x', false);
    // A tag added after the write brings the object under a rule.
    await add('tagged-later', true);
    await s3.send(new S3.PutObjectTaggingCommand({ Bucket, Key: 'tagged-later', Tagging: { TagSet: [{ Key: 'tmp', Value: 'yes' }] } }));
    moveTo(at(3) - 1);
    for (const key of Object.keys(expected)) expect([key, await exists(Bucket, key)]).toEqual([key, true]);
    moveTo(at(3));
    const left: Record<string, boolean> = {};
    for (const key of Object.keys(expected)) left[key] = await exists(Bucket, key);
    expect(left).toEqual(expected);
  });

  it('a configuration put after the objects applies to them; deleting it stops the schedule', async () => {
    const Bucket = await bucket();
    await put(Bucket, 'old');
    moveTo(at(5));
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }]);
    clock.advance(0);
    expect(await exists(Bucket, 'old')).toBe(false);
    await put(Bucket, 'new');
    await s3.send(new S3.DeleteBucketLifecycleCommand({ Bucket }));
    moveTo(at(20));
    expect(await exists(Bucket, 'new')).toBe(true);
  });
});

describe('EventBridge', () => {
  it('lifecycle deletions reach the default bus as Object Deleted, reason Lifecycle Expiration, requester s3.amazonaws.com', async () => {
    const Bucket = await bucket('Enabled');
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
    await s3.send(new S3.PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const events = new EventBridgeClient(clientConfig(emu));
    const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({ QueueName: 'eb-lifecycle' }));
    const queueArn = (await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await events.send(new PutRuleCommand({ Name: 'lifecycle', EventPattern: JSON.stringify({ source: ['aws.s3'], detail: { reason: ['Lifecycle Expiration'] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'lifecycle', Targets: [{ Id: 'q', Arn: queueArn }] }));
    events.destroy();
    const { VersionId } = await put(Bucket, 'k');
    moveTo(at(4));
    const got: any[] = [];
    await waitFor(async () => {
      const r = await sqs.send(new SQS.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (const m of r.Messages ?? []) {
        got.push(JSON.parse(m.Body!));
        await sqs.send(new SQS.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
      return got.length >= 3;
    }, { what: 'three lifecycle events', describe: () => JSON.stringify(got) });
    const details = got.map((e) => [e['detail-type'], e.detail['deletion-type'], e.detail.requester, e.detail['source-ip-address'], e.detail.reason]);
    expect(details).toEqual([
      ['Object Deleted', 'Delete Marker Created', 's3.amazonaws.com', undefined, 'Lifecycle Expiration'],
      ['Object Deleted', 'Permanently Deleted', 's3.amazonaws.com', undefined, 'Lifecycle Expiration'],
      ['Object Deleted', 'Permanently Deleted', 's3.amazonaws.com', undefined, 'Lifecycle Expiration'],
    ]);
    // The marker placed on the 3rd; on the 4th the noncurrent version, then the marker it leaves alone (Days rules remove those too).
    const marker = got[0].detail.object['version-id'];
    expect(got.map((e) => e.detail.object['version-id'])).toEqual([marker, VersionId, marker]);
    expect(await versionsOf(Bucket)).toEqual([]);
  });
});
