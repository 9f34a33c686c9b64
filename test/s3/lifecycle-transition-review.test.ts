import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig } from '../helpers/emulator';
import { failure, useS3 } from './sdk-helpers';

/**
 * Review of the transition checks PutBucketLifecycleConfiguration makes (lifecycle/validate-transitions.ts), each
 * against what S3 answers: messages as S3 users have quoted them from real PutBucketLifecycleConfiguration errors.
 */

const { s3 } = useS3();
let n = 0;

const put = (Bucket: string, Rules: S3.LifecycleRule[]) => s3().send(new S3.PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
async function newBucket(): Promise<string> {
  const Bucket = `transition-review-${++n}`;
  await s3().send(new S3.CreateBucketCommand({ Bucket }));
  return Bucket;
}

describe('the messages S3 answers', () => {
  // S3 names no filter here, unlike its message for Expiration against Transition (quoted from CloudFormation and SDK
  // users: "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the
  // NoncurrentVersionTransition action").
  it.each<[string, S3.LifecycleRuleFilter | undefined]>([
    ['a prefix filter', { Prefix: 'logs/' }],
    ['a tag filter', { Tag: { Key: 'k', Value: 'v' } }],
    ['no filter', undefined],
  ])('a noncurrent expiration not after a noncurrent transition, with %s: no filter in the message', async (_what, Filter) => {
    const Bucket = await newBucket();
    const refusal = await failure(
      put(Bucket, [{ ID: 'r', Status: 'Enabled', Filter, NoncurrentVersionTransitions: [{ NoncurrentDays: 40, StorageClass: 'GLACIER' }], NoncurrentVersionExpiration: { NoncurrentDays: 40 } }]),
    );
    expect(refusal).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action",
    });
  });
});

/**
 * The refactor under review (one plan per key and firing, day arithmetic in core/calendar.ts) kept what a firing does
 * and when the next one comes: pinned here across a year's end, on the emulator's clock.
 */
describe('on the clock, across a year end', () => {
  const day = (month: number, date: number, hour = 0) => Date.UTC(2026, month, date, hour);
  let clock: VirtualClock;
  let emu: RunningEmulator;
  let client: S3Client;
  const moveTo = (t: number) => clock.advance(t - clock.now());
  beforeEach(async () => {
    clock = new VirtualClock(day(11, 30, 12)); // Wed 30 Dec 2026, noon UTC
    emu = await startEmulator({ port: 0, log: () => {}, clock });
    client = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await emu.stop();
  });
  const bucketOn = async (extra: Partial<S3.CreateBucketCommandInput> = {}) => {
    const Bucket = `transition-review-clock-${++n}`;
    await client.send(new S3.CreateBucketCommand({ Bucket, ...extra }));
    return Bucket;
  };
  const head = (Bucket: string, Key: string, VersionId?: string) => client.send(new S3.HeadObjectCommand({ Bucket, Key, VersionId }));
  const exists = (Bucket: string, Key: string, VersionId?: string) =>
    head(Bucket, Key, VersionId).then(
      () => true,
      (e) => (e.$metadata?.httpStatusCode === 404 || e.$metadata?.httpStatusCode === 405 ? false : Promise.reject(e)),
    );
  const uploads = async (Bucket: string) => ((await client.send(new S3.ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).map((u) => u.Key);

  it('a firing acts on the key due, then waits for the earliest of the keys and uploads left, each at its midnight', async () => {
    const Bucket = await bucketOn();
    await client.send(
      new S3.PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'a', Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 1 } },
            { ID: 'b', Status: 'Enabled', Filter: { Prefix: 'b/' }, Expiration: { Days: 3 } },
            { ID: 'up', Status: 'Enabled', Filter: { Prefix: 'up/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
          ],
        },
      }),
    );
    await client.send(new S3.PutObjectCommand({ Bucket, Key: 'b/1', Body: 'b' }));
    await client.send(new S3.PutObjectCommand({ Bucket, Key: 'a/1', Body: 'a' }));
    await client.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'up/1' }));
    moveTo(day(11, 31, 23));
    expect(await exists(Bucket, 'a/1')).toBe(true);
    moveTo(Date.UTC(2027, 0, 1)); // noon + 1 day, rounded up to midnight: New Year
    expect([await exists(Bucket, 'a/1'), await exists(Bucket, 'b/1'), await uploads(Bucket)]).toEqual([false, true, ['up/1']]);
    moveTo(Date.UTC(2027, 0, 2) - 1);
    expect(await uploads(Bucket)).toEqual(['up/1']);
    moveTo(Date.UTC(2027, 0, 2));
    expect([await exists(Bucket, 'b/1'), await uploads(Bucket)]).toEqual([true, []]);
    moveTo(Date.UTC(2027, 0, 3) - 1);
    expect(await exists(Bucket, 'b/1')).toBe(true);
    moveTo(Date.UTC(2027, 0, 3));
    expect(await exists(Bucket, 'b/1')).toBe(false);
  });

  it('versioned: the firing that puts the delete marker on top plans the version it made noncurrent for the next midnight', async () => {
    const Bucket = await bucketOn();
    await client.send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await client.send(
      new S3.PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }] },
      }),
    );
    const { VersionId } = await client.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'v1' }));
    moveTo(Date.UTC(2027, 0, 1));
    expect([await exists(Bucket, 'k'), await exists(Bucket, 'k', VersionId)]).toEqual([false, true]);
    moveTo(Date.UTC(2027, 0, 2) - 1);
    expect(await exists(Bucket, 'k', VersionId)).toBe(true);
    moveTo(Date.UTC(2027, 0, 2));
    expect(await exists(Bucket, 'k', VersionId)).toBe(false);
  });

  it('a default retention of 1 day ends 24 hours later; a 1-day restore expires at the midnight after', async () => {
    moveTo(day(11, 31, 18));
    const locked = await bucketOn({ ObjectLockEnabledForBucket: true });
    await client.send(
      new S3.PutObjectLockConfigurationCommand({ Bucket: locked, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }),
    );
    await client.send(new S3.PutObjectCommand({ Bucket: locked, Key: 'k', Body: 'x' }));
    expect((await head(locked, 'k')).ObjectLockRetainUntilDate?.toISOString()).toBe('2027-01-01T18:00:00.000Z');

    const cold = await bucketOn();
    await client.send(new S3.PutObjectCommand({ Bucket: cold, Key: 'k', Body: 'x', StorageClass: 'GLACIER' }));
    await client.send(new S3.RestoreObjectCommand({ Bucket: cold, Key: 'k', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } }));
    clock.advance(60_000);
    expect((await head(cold, 'k')).Restore).toBe('ongoing-request="false", expiry-date="Sat, 02 Jan 2027 00:00:00 GMT"');
  });
});
