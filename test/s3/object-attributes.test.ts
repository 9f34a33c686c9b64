import * as S3 from '@aws-sdk/client-s3';
import { failure, useS3 } from './sdk-helpers';
import { mib } from './helpers';

/**
 * GetObjectAttributes through the official SDK client: the attributes asked for, version and Last-Modified,
 * multipart parts (listed only for objects uploaded with a COMPOSITE checksum, paged by MaxParts / PartNumberMarker),
 * delete markers and S3's errors.
 */

const { s3 } = useS3();

const ALL: S3.ObjectAttributes[] = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];
let n = 0;
async function bucket(versioned = false): Promise<string> {
  const Bucket = `attributes-${++n}`;
  await s3().send(new S3.CreateBucketCommand({ Bucket }));
  if (versioned) await s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return Bucket;
}

async function multipart(Bucket: string, Key: string, sizes: number[], ChecksumAlgorithm?: S3.ChecksumAlgorithm, ChecksumType?: S3.ChecksumType) {
  const { UploadId } = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm, ChecksumType }));
  const Parts: S3.CompletedPart[] = [];
  for (const [i, size] of sizes.entries()) {
    const out = await s3().send(new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, i + 1), ChecksumAlgorithm }));
    Parts.push({ PartNumber: i + 1, ETag: out.ETag, ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}) });
  }
  return s3().send(new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
}

it('a simple object: unquoted ETag, its checksum, storage class and size; no parts', async () => {
  const Bucket = await bucket(true);
  const put = await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'hello', ChecksumAlgorithm: 'SHA256', StorageClass: 'STANDARD_IA' }));
  const head = await s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k' }));
  const out = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ALL }));
  expect(out).toMatchObject({
    ETag: put.ETag!.replace(/"/g, ''),
    Checksum: { ChecksumSHA256: put.ChecksumSHA256, ChecksumType: 'FULL_OBJECT' },
    StorageClass: 'STANDARD_IA',
    ObjectSize: 5,
    VersionId: put.VersionId,
    LastModified: head.LastModified,
  });
  expect(out.ObjectParts).toBeUndefined();
  // Only what was asked for.
  const size = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ['ObjectSize'] }));
  expect([size.ObjectSize, size.ETag, size.StorageClass, size.Checksum]).toEqual([5, undefined, undefined, undefined]);
});

it('a multipart object without a checksum reports only its part count', async () => {
  const Bucket = await bucket();
  await multipart(Bucket, 'mpu', [mib(5), 10]);
  const out = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'mpu', ObjectAttributes: ['ObjectParts', 'ObjectSize', 'StorageClass'] }));
  expect(out.ObjectParts).toEqual({ TotalPartsCount: 2 });
  expect([out.ObjectSize, out.StorageClass, out.VersionId]).toEqual([mib(5) + 10, 'STANDARD', undefined]);
});

it('a multipart object with a checksum lists its parts, paged', async () => {
  const Bucket = await bucket();
  const done = await multipart(Bucket, 'mpu', [mib(5), mib(5), 7], 'CRC32');
  const first = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'mpu', ObjectAttributes: ['ObjectParts', 'Checksum'], MaxParts: 2 }));
  // The composite checksum without its -N suffix.
  expect(first.Checksum).toEqual({ ChecksumCRC32: done.ChecksumCRC32!.replace(/-3$/, ''), ChecksumType: 'COMPOSITE' });
  expect(first.ObjectParts).toMatchObject({ TotalPartsCount: 3, PartNumberMarker: '0', NextPartNumberMarker: '2', MaxParts: 2, IsTruncated: true });
  expect(first.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size, typeof p.ChecksumCRC32])).toEqual([
    [1, mib(5), 'string'],
    [2, mib(5), 'string'],
  ]);
  const rest = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'mpu', ObjectAttributes: ['ObjectParts'], PartNumberMarker: first.ObjectParts!.NextPartNumberMarker }));
  expect(rest.ObjectParts).toMatchObject({ TotalPartsCount: 3, PartNumberMarker: '2', IsTruncated: false, Parts: [{ PartNumber: 3, Size: 7 }] });
});

it('a multipart object with a FULL_OBJECT checksum reports only its part count (parts are listed for COMPOSITE only)', async () => {
  const Bucket = await bucket();
  const done = await multipart(Bucket, 'mpu', [mib(5), 7], 'CRC32', 'FULL_OBJECT');
  const out = await s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'mpu', ObjectAttributes: ['ObjectParts', 'Checksum'] }));
  expect(out.Checksum).toEqual({ ChecksumCRC32: done.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' });
  expect(out.ObjectParts).toEqual({ TotalPartsCount: 2 });
});

it('delete markers and errors as S3 answers them', async () => {
  const Bucket = await bucket(true);
  await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
  const marker = await s3().send(new S3.DeleteObjectCommand({ Bucket, Key: 'k' }));
  expect(await failure(s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ['ETag'] })))).toEqual({
    name: 'NoSuchKey',
    status: 404,
    message: 'The specified key does not exist.',
  });
  expect(await failure(s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', VersionId: marker.VersionId, ObjectAttributes: ['ETag'] })))).toMatchObject({
    name: 'MethodNotAllowed',
    status: 405,
  });
  expect(await failure(s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', VersionId: 'nope', ObjectAttributes: ['ETag'] })))).toMatchObject({
    name: 'NoSuchVersion',
    status: 404,
  });
  expect(await failure(s3().send(new S3.GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ['Colour' as S3.ObjectAttributes] })))).toEqual({
    name: 'InvalidArgument',
    status: 400,
    message: 'Invalid attribute name specified.',
  });
});
