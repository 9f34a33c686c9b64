import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';
import { clientConfig } from '../helpers/emulator';
import { failure } from './sdk-helpers';

/**
 * Object Lock, enforced: retention and legal holds per version (headers on writes, the bucket default, the
 * retention and legal-hold operations), what HEAD/GET report, and what S3 refuses — permanent deletes of locked
 * versions, shortening a COMPLIANCE retention — with its codes, messages and statuses. Time is a VirtualClock
 * the test moves, so a retention runs out without waiting.
 */

const DAY = 86_400_000;
let clock: VirtualClock;
let emu: RunningEmulator;
let s3: S3Client;

beforeAll(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1, 12));
  emu = await startEmulator({ port: 0, log: () => {}, clock });
  s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  await emu.stop();
});

let n = 0;
async function lockedBucket(defaultRetention?: S3.DefaultRetention): Promise<string> {
  const Bucket = `lock-bucket-${++n}`;
  await s3.send(new S3.CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
  if (defaultRetention) {
    await s3.send(new S3.PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: defaultRetention } } }));
  }
  return Bucket;
}


const inDays = (days: number) => new Date(clock.now() + days * DAY);
const put = (Bucket: string, Key: string, extra: Partial<S3.PutObjectCommandInput> = {}) => s3.send(new S3.PutObjectCommand({ Bucket, Key, Body: 'locked', ...extra }));
const LOCKED = { name: 'AccessDenied', status: 403, message: 'Access Denied because object protected by object lock.' };

describe('retention and legal hold on writes', () => {
  it('PutObject headers set the version’s lock; HEAD, GET and the Get operations report it', async () => {
    const Bucket = await lockedBucket();
    const until = inDays(10);
    const { VersionId } = await put(Bucket, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' });
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(head).toMatchObject({ ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' });
    const get = await s3.send(new S3.GetObjectCommand({ Bucket, Key: 'k', VersionId }));
    expect([get.ObjectLockMode, get.ObjectLockRetainUntilDate, get.ObjectLockLegalHoldStatus]).toEqual(['GOVERNANCE', until, 'ON']);
    expect((await s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k' }))).Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: until });
    expect((await s3.send(new S3.GetObjectLegalHoldCommand({ Bucket, Key: 'k', VersionId }))).LegalHold).toEqual({ Status: 'ON' });
  });

  it('refuses malformed lock headers as S3 does', async () => {
    const Bucket = await lockedBucket();
    expect(await failure(put(Bucket, 'k', { ObjectLockMode: 'COMPLIANCE' }))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
    });
    expect(await failure(put(Bucket, 'k', { ObjectLockRetainUntilDate: inDays(1) }))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(await failure(put(Bucket, 'k', { ObjectLockMode: 'FOREVER' as S3.ObjectLockMode, ObjectLockRetainUntilDate: inDays(1) }))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'Unknown wormMode directive.',
    });
    expect(await failure(put(Bucket, 'k', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(-1) }))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'The retain until date must be in the future!',
    });
    expect(await failure(put(Bucket, 'k', { ObjectLockLegalHoldStatus: 'on' as S3.ObjectLockLegalHoldStatus }))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: "Legal Hold must be either of 'ON' or 'OFF'",
    });
    // Nothing was written.
    expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'k' })))).toMatchObject({ status: 404 });
  });

  it('on a bucket without Object Lock, lock headers and the lock operations are InvalidRequest', async () => {
    const Bucket = `plain-${++n}`;
    await s3.send(new S3.CreateBucketCommand({ Bucket }));
    const missing = { name: 'InvalidRequest', status: 400, message: 'Bucket is missing Object Lock Configuration' };
    expect(await failure(put(Bucket, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) }))).toEqual(missing);
    await put(Bucket, 'k');
    expect(await failure(s3.send(new S3.PutObjectRetentionCommand({ Bucket, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } })))).toEqual(missing);
    expect(await failure(s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k' })))).toEqual(missing);
    expect(await failure(s3.send(new S3.PutObjectLegalHoldCommand({ Bucket, Key: 'k', LegalHold: { Status: 'ON' } })))).toEqual(missing);
    expect(await failure(s3.send(new S3.GetObjectLegalHoldCommand({ Bucket, Key: 'k' })))).toEqual(missing);
    expect(await failure(s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', BypassGovernanceRetention: true })))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.',
    });
  });

  it('a version without a lock answers NoSuchObjectLockConfiguration', async () => {
    const Bucket = await lockedBucket();
    await put(Bucket, 'k');
    const none = { name: 'NoSuchObjectLockConfiguration', status: 404, message: 'The specified object does not have a ObjectLock configuration' };
    expect(await failure(s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k' })))).toEqual(none);
    expect(await failure(s3.send(new S3.GetObjectLegalHoldCommand({ Bucket, Key: 'k' })))).toEqual(none);
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate, head.ObjectLockLegalHoldStatus]).toEqual([undefined, undefined, undefined]);
  });

  it('PutObject with lock parameters needs Content-MD5 or a checksum (also under a default retention)', async () => {
    const Bucket = await lockedBucket();
    const bare = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const required = { name: 'InvalidRequest', status: 400, message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters' };
    const lock = { ObjectLockMode: 'GOVERNANCE' as const, ObjectLockRetainUntilDate: inDays(1) };
    expect(await failure(bare.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ...lock })))).toEqual(required);
    // Without lock parameters and without a default retention, nothing is required.
    await bare.send(new S3.PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' }));
    const ContentMD5 = createHash('md5').update('x').digest('base64');
    await bare.send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ContentMD5, ...lock }));
    expect((await s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k' }))).Retention?.Mode).toBe('GOVERNANCE');

    const withDefault = await lockedBucket({ Mode: 'GOVERNANCE', Days: 1 });
    expect(await failure(bare.send(new S3.PutObjectCommand({ Bucket: withDefault, Key: 'k', Body: 'x' })))).toEqual(required);
    bare.destroy();
  });
});

describe('the bucket default retention', () => {
  it('applies to new versions (PutObject, CopyObject, multipart) unless the write names its own', async () => {
    const Bucket = await lockedBucket({ Mode: 'COMPLIANCE', Days: 3 });
    const before = clock.now();
    await put(Bucket, 'default');
    const r = (await s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'default' }))).Retention!;
    expect(r.Mode).toBe('COMPLIANCE');
    expect(r.RetainUntilDate!.getTime()).toBe(before + 3 * DAY);

    const own = inDays(30);
    await s3.send(new S3.CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/default`, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: own }));
    expect((await s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'copy' }))).Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: own });

    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'mpu', ObjectLockLegalHoldStatus: 'ON' }));
    const part = await s3.send(new S3.UploadPartCommand({ Bucket, Key: 'mpu', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket, Key: 'mpu', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket, Key: 'mpu' }));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate?.getTime(), head.ObjectLockLegalHoldStatus]).toEqual(['COMPLIANCE', clock.now() + 3 * DAY, 'ON']);
  });

  it('Years are calendar years', async () => {
    const Bucket = await lockedBucket({ Mode: 'GOVERNANCE', Years: 1 });
    await put(Bucket, 'k');
    const until = (await s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k' }))).Retention!.RetainUntilDate!;
    const expected = new Date(clock.now());
    expected.setUTCFullYear(expected.getUTCFullYear() + 1);
    expect(until.getTime()).toBe(expected.getTime());
  });
});

describe('enforcement', () => {
  it('COMPLIANCE: no permanent delete until the date, a delete marker is fine, DeleteObjects reports per key', async () => {
    const Bucket = await lockedBucket();
    const { VersionId } = await put(Bucket, 'k', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(2) });
    expect(await failure(s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId, BypassGovernanceRetention: true })))).toEqual(LOCKED);

    const marker = await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect(marker.DeleteMarker).toBe(true);
    const batch = await s3.send(
      new S3.DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k', VersionId }, { Key: 'k', VersionId: marker.VersionId }] } }),
    );
    expect(batch.Errors).toEqual([{ Key: 'k', VersionId, Code: 'AccessDenied', Message: 'Access Denied because object protected by object lock.' }]);
    expect(batch.Deleted).toEqual([{ Key: 'k', VersionId: marker.VersionId, DeleteMarker: true, DeleteMarkerVersionId: marker.VersionId }]);

    // Shortening, removing or weakening a running COMPLIANCE retention is refused, even with the bypass.
    const retention = (Retention: S3.ObjectLockRetention, BypassGovernanceRetention?: boolean) =>
      s3.send(new S3.PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId, Retention, BypassGovernanceRetention }));
    expect(await failure(retention({ Mode: 'COMPLIANCE', RetainUntilDate: inDays(1) }, true))).toEqual(LOCKED);
    expect(await failure(retention({ Mode: 'GOVERNANCE', RetainUntilDate: inDays(5) }, true))).toEqual(LOCKED);
    expect(await failure(retention({}, true))).toEqual(LOCKED);
    // Extending is allowed.
    await retention({ Mode: 'COMPLIANCE', RetainUntilDate: inDays(4) });

    clock.advance(4 * DAY + 1000);
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId }));
    expect((await s3.send(new S3.ListObjectVersionsCommand({ Bucket }))).Versions).toBeUndefined();
  });

  it('GOVERNANCE: refused without the bypass, allowed with it; shortening and removing need the bypass too', async () => {
    const Bucket = await lockedBucket();
    const { VersionId } = await put(Bucket, 'k', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(10) });
    const retention = (Retention: S3.ObjectLockRetention, BypassGovernanceRetention?: boolean) =>
      s3.send(new S3.PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId, Retention, BypassGovernanceRetention }));
    expect(await failure(s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId })))).toEqual(LOCKED);
    expect(await failure(retention({ Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) }))).toEqual(LOCKED);
    await retention({ Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) }, true);
    await retention({}, true);
    expect(await failure(s3.send(new S3.GetObjectRetentionCommand({ Bucket, Key: 'k', VersionId })))).toMatchObject({ name: 'NoSuchObjectLockConfiguration', status: 404 });
    await retention({ Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) });
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId, BypassGovernanceRetention: true }));
  });

  it('a legal hold blocks a permanent delete whatever the retention, until it is turned OFF', async () => {
    const Bucket = await lockedBucket();
    const { VersionId } = await put(Bucket, 'k');
    await s3.send(new S3.PutObjectLegalHoldCommand({ Bucket, Key: 'k', VersionId, LegalHold: { Status: 'ON' } }));
    expect(await failure(s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId, BypassGovernanceRetention: true })))).toEqual(LOCKED);
    expect(await failure(s3.send(new S3.PutObjectLegalHoldCommand({ Bucket, Key: 'k', LegalHold: { Status: 'MAYBE' as S3.ObjectLockLegalHoldStatus } })))).toMatchObject({
      name: 'MalformedXML',
      status: 400,
    });
    await s3.send(new S3.PutObjectLegalHoldCommand({ Bucket, Key: 'k', VersionId, LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new S3.GetObjectLegalHoldCommand({ Bucket, Key: 'k', VersionId }))).LegalHold).toEqual({ Status: 'OFF' });
    await s3.send(new S3.DeleteObjectCommand({ Bucket, Key: 'k', VersionId }));
  });

  it('PutObjectRetention refuses a past date and a half-given retention', async () => {
    const Bucket = await lockedBucket();
    await put(Bucket, 'k');
    expect(await failure(s3.send(new S3.PutObjectRetentionCommand({ Bucket, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(-1) } })))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'The retain until date must be in the future!',
    });
    expect(await failure(s3.send(new S3.PutObjectRetentionCommand({ Bucket, Key: 'k', Retention: { Mode: 'GOVERNANCE' } })))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });
});

it('the lock goes into the digest and survives a restart with dataDir', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-persist-'));
  const persistClock = new VirtualClock(Date.UTC(2026, 0, 1));
  const start = () => startEmulator({ port: 0, log: () => {}, clock: persistClock, dataDir: dir });
  let first = await start();
  const client = () => new S3Client({ ...clientConfig(first), forcePathStyle: true, maxAttempts: 1 });
  try {
    let c = client();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'persisted-lock', ObjectLockEnabledForBucket: true }));
    const until = new Date(persistClock.now() + DAY);
    const { VersionId } = await c.send(new S3.PutObjectCommand({ Bucket: 'persisted-lock', Key: 'k', Body: 'x' }));
    const unlocked = first.providers.s3!.digest();
    await c.send(new S3.PutObjectRetentionCommand({ Bucket: 'persisted-lock', Key: 'k', VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
    expect(first.providers.s3!.digest()).not.toBe(unlocked);
    c.destroy();
    await first.stop();
    first = await start();
    c = client();
    expect((await c.send(new S3.GetObjectRetentionCommand({ Bucket: 'persisted-lock', Key: 'k' }))).Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
    expect(await failure(c.send(new S3.DeleteObjectCommand({ Bucket: 'persisted-lock', Key: 'k', VersionId })))).toEqual(LOCKED);
    c.destroy();
  } finally {
    await first.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('through the AWS CLI v1', () => {
  it('puts and reads a retention, and is refused the locked version’s delete', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 (aws) is not on PATH');
    const Bucket = await lockedBucket();
    const { VersionId } = await put(Bucket, 'k');
    const cli = (...args: string[]) => awsCli(CLIENTS.awsCliV1, emu.endpoint, ['s3api', ...args, '--bucket', Bucket, '--key', 'k']);
    const until = new Date(clock.now() + 5 * DAY).toISOString();
    await cli('put-object-retention', '--retention', `Mode=COMPLIANCE,RetainUntilDate=${until}`);
    expect(JSON.parse(await cli('get-object-retention'))).toEqual({ Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } });
    const head = JSON.parse(await cli('head-object'));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate]).toEqual(['COMPLIANCE', until]);
    await expect(cli('delete-object', '--version-id', VersionId!)).rejects.toThrow(/AccessDenied.*Access Denied because object protected by object lock\./);
  });
});
