import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startEmulator } from '../../emulator';
import { mib } from './helpers';
import { failure, useS3 } from './sdk-helpers';

/** SSE-C cases found in review: in-place copies, checksummed multipart uploads, other services' reads, restarts. */

const { emu, s3 } = useS3();

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);
const md5b64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const withKey = (key: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key as unknown as string });
const withSourceKey = (key: Buffer) => ({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key as unknown as string });
const ALLOW_SSE_C = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BlockedEncryptionTypes: { EncryptionType: ['NONE' as const] } }] };

let n = 0;
async function newBucket(client = s3()): Promise<string> {
  const Bucket = `sse-c-review-${++n}`;
  await client.send(new S3.CreateBucketCommand({ Bucket }));
  await client.send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: ALLOW_SSE_C }));
  return Bucket;
}

describe('PutBucketEncryption without BlockedEncryptionTypes', () => {
  it('keeps the bucket’s block as it was: blocked stays blocked, unblocked stays unblocked', async () => {
    const Bucket = `sse-c-review-${++n}`;
    await s3().send(new S3.CreateBucketCommand({ Bucket }));
    const kms = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const } }] };
    await s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: kms }));
    const rule = async () => (await s3().send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration!.Rules![0];
    expect(await rule()).toMatchObject({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } });
    expect((await failure(s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ...withKey(KEY_A) })))).status).toBe(403);

    await s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: ALLOW_SSE_C }));
    await s3().send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: kms }));
    expect((await rule()).BlockedEncryptionTypes).toEqual({ EncryptionType: ['NONE'] });
    expect((await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ...withKey(KEY_A) }))).SSECustomerKeyMD5).toBe(md5b64(KEY_A));
  });
});

describe('CopyObject in place', () => {
  it('copies an SSE-C object onto itself without a destination key: the encryption changes to SSE-S3', async () => {
    const Bucket = await newBucket();
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'in place', ...withKey(KEY_A) }));
    const copy = await s3().send(new S3.CopyObjectCommand({ Bucket, Key: 'k', CopySource: `${Bucket}/k`, ...withSourceKey(KEY_A) }));
    expect([copy.ServerSideEncryption, copy.SSECustomerAlgorithm]).toEqual(['AES256', undefined]);
    const out = await s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await out.Body!.transformToString()).toBe('in place');
    expect(out.ServerSideEncryption).toBe('AES256');
  });
});

describe('multipart uploads with a checksum', () => {
  it('need the key on CompleteMultipartUpload, as S3 documents', async () => {
    const Bucket = await newBucket();
    const Key = 'summed';
    const { UploadId } = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256', ...withKey(KEY_A) }));
    const part = await s3().send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'only part', ChecksumAlgorithm: 'SHA256', ...withKey(KEY_A) }));
    const Parts = [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }];
    const complete = (extra: Partial<S3.CompleteMultipartUploadCommandInput>) =>
      s3().send(new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, ...extra }));
    expect(await failure(complete({}))).toEqual({
      name: 'InvalidArgument',
      status: 400,
      message: 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
    });
    // Still there to complete with the key.
    const done = await complete(withKey(KEY_A));
    expect(done.ChecksumSHA256).toMatch(/-1$/);
    const head = await s3().send(new S3.HeadObjectCommand({ Bucket, Key, ...withKey(KEY_A) }));
    expect(head.SSECustomerKeyMD5).toBe(md5b64(KEY_A));
  });
});

describe('reads by other services (the bus)', () => {
  it('cannot read an SSE-C object: they have no key to send', async () => {
    const Bucket = await newBucket();
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'code.zip', Body: 'zip bytes', ...withKey(KEY_A) }));
    await expect(emu().bus.ask('s3.getObject', { bucket: Bucket, key: 'code.zip' })).rejects.toMatchObject({
      code: 'InvalidRequest',
      message: 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    });
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'plain.zip', Body: 'plain bytes' }));
    expect(String(await emu().bus.ask('s3.getObject', { bucket: Bucket, key: 'plain.zip' }))).toBe('plain bytes');
  });
});

describe('reads of parts and listings', () => {
  it('GetObject by partNumber needs the key; ListParts and ListObjectVersions show the parts and versions', async () => {
    const Bucket = await newBucket();
    await s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const Key = 'parts';
    const { UploadId } = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key, ...withKey(KEY_A) }));
    const first = Buffer.alloc(mib(5), 'p');
    const p1 = await s3().send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: first, ...withKey(KEY_A) }));
    const p2 = await s3().send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'tail', ...withKey(KEY_A) }));
    const listed = await s3().send(new S3.ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts!.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, p1.ETag, mib(5)],
      [2, p2.ETag, 4],
    ]);
    const done = await s3().send(
      new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
    );
    expect((await failure(s3().send(new S3.GetObjectCommand({ Bucket, Key, PartNumber: 2 })))).status).toBe(400);
    const part2 = await s3().send(new S3.GetObjectCommand({ Bucket, Key, PartNumber: 2, ...withKey(KEY_A) }));
    expect(await part2.Body!.transformToString()).toBe('tail');
    expect(part2).toMatchObject({ PartsCount: 2, ETag: done.ETag, SSECustomerKeyMD5: md5b64(KEY_A) });
    const versions = await s3().send(new S3.ListObjectVersionsCommand({ Bucket }));
    expect(versions.Versions!.map((v) => [v.Key, v.ETag, v.Size])).toEqual([[Key, done.ETag, mib(5) + 4]]);
  });
});

describe('persistence of an SSE-C multipart upload', () => {
  it('goes on after a restart with the same key, and only with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-c-review-'));
    const clientOf = (endpoint: string) =>
      new S3.S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });
    let running = await startEmulator({ port: 0, log: () => {}, dataDir: dir });
    try {
      let c = clientOf(running.endpoint);
      const Bucket = await newBucket(c);
      const Key = 'resumed';
      const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket, Key, ...withKey(KEY_A) }));
      const p1 = await c.send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(mib(5), 'r'), ...withKey(KEY_A) }));
      c.destroy();
      await running.stop();

      running = await startEmulator({ port: 0, log: () => {}, dataDir: dir });
      c = clientOf(running.endpoint);
      expect((await failure(c.send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'end', ...withKey(KEY_B) })))).message).toBe(
        'The provided encryption parameters did not match the ones used originally.',
      );
      const p2 = await c.send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'end', ...withKey(KEY_A) }));
      const done = await c.send(
        new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
      );
      expect(done.ETag).toMatch(/-2"$/);
      expect((await failure(c.send(new S3.HeadObjectCommand({ Bucket, Key })))).status).toBe(400);
      const out = await c.send(new S3.GetObjectCommand({ Bucket, Key, ...withKey(KEY_A), Range: `bytes=${mib(5)}-` }));
      expect(await out.Body!.transformToString()).toBe('end');
      c.destroy();
    } finally {
      await running.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
