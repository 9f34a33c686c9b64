import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig } from '../helpers/emulator';
import { ctx, setup } from './helpers';
import { failure } from './sdk-helpers';

/**
 * Lifecycle behaviours found wrong in review, each against the S3 User Guide / API reference: the age an expired
 * delete marker must reach under a Days rule, an Expiration.Date rule and an object written at midnight, the
 * checks PutBucketLifecycleConfiguration makes, and the cost of a write in a bucket with many uploads.
 */

const at = (day: number, hour = 0) => Date.UTC(2026, 0, day, hour);

let clock: VirtualClock;
let emu: RunningEmulator;
let s3: S3Client;
let n = 0;

async function start(time: number) {
  clock = new VirtualClock(time);
  emu = await startEmulator({ port: 0, log: () => {}, clock });
  s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
}
afterEach(async () => {
  s3?.destroy();
  await emu?.stop();
});

const moveTo = (t: number) => clock.advance(t - clock.now());
const newBucket = async () => {
  const Bucket = `lifecycle-review-${++n}`;
  await s3.send(new S3.CreateBucketCommand({ Bucket }));
  return Bucket;
};
const rules = (Bucket: string, Rules: S3.LifecycleRule[]) => s3.send(new S3.PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
const markers = async (Bucket: string) => ((await s3.send(new S3.ListObjectVersionsCommand({ Bucket }))).DeleteMarkers ?? []).map((m) => m.Key);

describe('due times', () => {
  it('a Days rule removes an expired object delete marker only once the marker is Days old', async () => {
    // "When you specify the Days tag, S3 automatically performs ExpiredObjectDeleteMarker cleanup when the delete
    // markers are old enough to satisfy the age criteria."
    await start(at(1, 12));
    const Bucket = await newBucket();
    await s3.send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await rules(Bucket, [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 5 } }]);
    const { VersionId } = await s3.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k' })); // marker made at noon on the 1st
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId })); // the marker is all that is left
    moveTo(at(7) - 1); // 1st noon + 5 days = 6th noon, rounded up: the 7th
    expect(await markers(Bucket)).toEqual(['k']);
    moveTo(at(7));
    expect(await markers(Bucket)).toEqual([]);
  });

  it('an Expiration.Date already past does not delete an object written exactly at midnight in that same instant', async () => {
    // VirtualClock's default start is a midnight; the daily run of that midnight has begun before the write.
    await start(at(5));
    const Bucket = await newBucket();
    await rules(Bucket, [{ ID: 'past', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date(at(1)) } }]);
    const written = await s3.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    expect(written.Expiration).toBe('expiry-date="Tue, 06 Jan 2026 00:00:00 GMT", rule-id="past"');
    clock.advance(0);
    expect((await s3.send(new S3.ListObjectsV2Command({ Bucket }))).KeyCount).toBe(1);
    moveTo(at(6));
    expect((await s3.send(new S3.ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0);
  });
});

describe('PutBucketLifecycleConfiguration checks what S3 checks', () => {
  const cases: [string, S3.LifecycleRule[], { name: string; message?: string }][] = [
    ['Days with ExpiredObjectDeleteMarker', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } }], { name: 'MalformedXML' }],
    ['Days with Date', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 1, Date: new Date(at(9)) } }], { name: 'MalformedXML' }],
    ['Days 0', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 0 } }], { name: 'InvalidArgument', message: "'Days' for Expiration action must be a positive integer" }],
    ['a Date not at midnight', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date(at(9, 6)) } }], { name: 'InvalidArgument', message: "'Date' must be at midnight GMT" }],
    ['NoncurrentDays 0', [{ ID: 'a', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 0 } }], { name: 'InvalidArgument', message: "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer" }],
    ['DaysAfterInitiation 0', [{ ID: 'a', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 } }], { name: 'InvalidArgument', message: "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer" }],
    ['ExpiredObjectDeleteMarker with a tag filter', [{ ID: 'a', Status: 'Enabled', Filter: { Tag: { Key: 't', Value: 'v' } }, Expiration: { ExpiredObjectDeleteMarker: true } }], { name: 'InvalidRequest', message: 'ExpiredObjectDeleteMarker cannot be specified with Tags.' }],
    ['AbortIncompleteMultipartUpload with tags', [{ ID: 'a', Status: 'Enabled', Filter: { And: { Prefix: 'p/', Tags: [{ Key: 't', Value: 'v' }] } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }], { name: 'InvalidRequest', message: 'AbortIncompleteMultipartUpload cannot be specified with Tags.' }],
    ['a rule without an action', [{ ID: 'a', Status: 'Enabled', Filter: {} }], { name: 'InvalidRequest', message: 'At least one action needs to be specified in a rule' }],
    ['two rules with one ID', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }, { ID: 'a', Status: 'Enabled', Filter: { Prefix: 'x' }, Expiration: { Days: 2 } }], { name: 'InvalidArgument', message: 'Rule ID must be unique. Found same ID for more than one rule' }],
  ];
  it.each(cases)('rejects %s, and keeps the configuration it had', async (_what, Rules, expected) => {
    await start(at(1));
    const Bucket = await newBucket();
    const good: S3.LifecycleRule[] = [{ ID: 'good', Status: 'Enabled', Filter: {}, Expiration: { Days: 3 } }];
    await rules(Bucket, good);
    expect(await failure(rules(Bucket, Rules))).toMatchObject({ status: 400, ...expected });
    expect((await s3.send(new S3.GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.map((r) => r.ID)).toEqual(['good']);
  });

  it('accepts the forms S3 accepts: ExpiredObjectDeleteMarker alone, Filter {} and an empty Prefix, a Date at midnight', async () => {
    await start(at(1));
    const Bucket = await newBucket();
    await rules(Bucket, [
      { ID: 'markers', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true }, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 } },
      { ID: 'date', Status: 'Disabled', Filter: {}, Expiration: { Date: new Date(at(9)) } },
      { ID: 'legacy', Status: 'Enabled', Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
  });
});

describe('cost', () => {
  it('a write in a lifecycle bucket does not scan every multipart upload of the bucket (no O(n²) over uploads)', async () => {
    const uploads = 30_000;
    const timeCreating = async (withRule: boolean) => {
      const { s3: provider } = setup();
      const Bucket = 'many-uploads';
      await provider.CreateBucket({ Bucket }, ctx());
      if (withRule) {
        const Rules: S3.LifecycleRule[] = [{ ID: 'r', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }];
        await provider.PutBucketLifecycleConfiguration({ Bucket, LifecycleConfiguration: { Rules } }, ctx());
      }
      const t = process.hrtime.bigint();
      for (let i = 0; i < uploads; i++) await provider.CreateMultipartUpload({ Bucket, Key: `k${i}` }, ctx());
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const without = await timeCreating(false);
    const withRule = await timeCreating(true);
    // Quadratic: about 7x here; linear: about 1x. The bound leaves room for a busy machine.
    expect(withRule).toBeLessThan(3 * without + 300);
  }, 120_000);
});
