import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  paginateListObjectsV2,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { waitFor } from '../../harness/wait';
import { FakeReceiver, mib } from './helpers';
import { startS3, type S3Under } from './emulator';

let emu: S3Under;
let s3: S3Client;

beforeAll(async () => {
  emu = await startS3();
  s3 = emu.client();
});
afterAll(async () => {
  s3?.destroy();
  await emu?.stop();
});

let n = 0;
async function newBucket(): Promise<string> {
  const Bucket = `sdk-bucket-${++n}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
}

/** The error an SDK call fails with (name, status). */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string; err: S3ServiceException }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message, err };
  }
  throw new Error('expected the call to fail');
}

/** Records the raw request headers of the next calls to an operation (to see what the SDK really sent). */
function spyHeaders(operation: string): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  const original = emu.provider[operation];
  emu.provider[operation] = function (this: unknown, input: unknown, ctx: { headers: Record<string, unknown> }) {
    seen.push(ctx.headers);
    return original.call(this, input, ctx);
  };
  afterSpies.push(() => (emu.provider[operation] = original));
  return seen;
}
const afterSpies: (() => void)[] = [];
afterEach(() => afterSpies.splice(0).forEach((undo) => undo()));

const text = async (body: unknown): Promise<string> => (body as { transformToString(): Promise<string> }).transformToString();

describe('buckets over the SDK', () => {
  test('create, head, list, location, delete; error paths', async () => {
    const Bucket = await newBucket();
    await expect(s3.send(new HeadBucketCommand({ Bucket }))).resolves.toMatchObject({ BucketRegion: 'us-east-1' });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain(Bucket);
    expect((await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint).toBeUndefined();
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket-x' })))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  test('outside us-east-1: LocationConstraint body, BucketAlreadyOwnedByYou, IllegalLocationConstraintException', async () => {
    const eu = emu.client({ region: 'eu-west-1' });
    await eu.send(new CreateBucketCommand({ Bucket: 'sdk-eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect((await eu.send(new GetBucketLocationCommand({ Bucket: 'sdk-eu-bucket' }))).LocationConstraint).toBe('eu-west-1');
    expect(await failure(eu.send(new CreateBucketCommand({ Bucket: 'sdk-eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })))).toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    // The SDK fills LocationConstraint from its region; naming another region is refused.
    expect(await failure(eu.send(new CreateBucketCommand({ Bucket: 'sdk-eu-bucket-2', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } })))).toMatchObject({
      name: 'IllegalLocationConstraintException',
      status: 400,
    });
    await eu.send(new CreateBucketCommand({ Bucket: 'sdk-eu-bucket-3' }));
    expect((await eu.send(new GetBucketLocationCommand({ Bucket: 'sdk-eu-bucket-3' }))).LocationConstraint).toBe('eu-west-1');
    eu.destroy();
  });

  test('tagging and policy', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'env', Value: 'test' }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([{ Key: 'env', Value: 'test' }]);
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(Policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
    expect(await failure(s3.send(new GetBucketPolicyCommand({ Bucket })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
  });
});

describe('objects over the SDK', () => {
  test('Buffer body (CRC32 header) and Readable body (aws-chunked with trailer) round-trip with checksums', async () => {
    const Bucket = await newBucket();
    const headers = spyHeaders('PutObject');
    const data = Buffer.from('buffered body '.repeat(1000));
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'buffer', Body: data, ContentType: 'text/plain', Metadata: { origin: 'buffer' } }));
    expect(put.ETag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);

    const streamed = Buffer.from('streamed body '.repeat(5000));
    const put2 = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'dir/stream obj', Body: Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]), ContentLength: streamed.length }),
    );
    expect(put2.ETag).toBe(`"${createHash('md5').update(streamed).digest('hex')}"`);
    // What the SDK sent: a CRC32 header for the buffer, aws-chunked with a trailing CRC32 for the stream.
    expect(headers[0]).toMatchObject({ 'x-amz-checksum-crc32': put.ChecksumCRC32 });
    expect(headers[1]).toMatchObject({ 'content-encoding': expect.stringContaining('aws-chunked'), 'x-amz-trailer': 'x-amz-checksum-crc32' });
    expect(String(headers[1]!['x-amz-content-sha256'])).toMatch(/^STREAMING-/);

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'buffer', ChecksumMode: 'ENABLED' }));
    expect(await text(got.Body)).toBe(data.toString());
    expect([got.ContentType, got.Metadata, got.ChecksumCRC32, got.ContentLength]).toEqual(['text/plain', { origin: 'buffer' }, put.ChecksumCRC32, data.length]);
    const got2 = await s3.send(new GetObjectCommand({ Bucket, Key: 'dir/stream obj' }));
    expect(await text(got2.Body)).toBe(streamed.toString());
    // aws-chunked is a transfer encoding, not stored.
    expect(got2.ContentEncoding).toBeUndefined();
  });

  test('an object written without a checksum gets CRC64NVME, as S3 adds by default (multipart too); one sent with a checksum keeps it', async () => {
    const Bucket = await newBucket();
    const plain = emu.client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const body = Buffer.from('no checksum sent '.repeat(100));
    const crc = new Crc64Nvme();
    crc.update(body);
    const expected = Buffer.from(await crc.digest()).toString('base64');

    const put = await plain.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: body }));
    expect([put.ChecksumCRC64NVME, put.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
    const head = await plain.send(new HeadObjectCommand({ Bucket, Key: 'plain', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC64NVME, head.ChecksumCRC32]).toEqual([expected, undefined]);
    // A copy made without a ChecksumAlgorithm is a new object: it has the default too.
    const copied = await plain.send(new CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/plain` }));
    expect(copied.CopyObjectResult?.ChecksumCRC64NVME).toBe(expected);
    const listed = await plain.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => o.ChecksumAlgorithm)).toEqual([['CRC64NVME'], ['CRC64NVME']]);

    const withCrc32 = await s3.send(new PutObjectCommand({ Bucket, Key: 'crc32', Body: body }));
    expect([withCrc32.ChecksumCRC32 !== undefined, withCrc32.ChecksumCRC64NVME]).toEqual([true, undefined]);

    // A multipart upload created without an algorithm: S3 stores a whole-object CRC64NVME "even for multipart uploads".
    const parts = [Buffer.alloc(mib(5), 7), Buffer.from('tail')];
    const whole = new Crc64Nvme();
    whole.update(Buffer.concat(parts));
    const wholeCrc = Buffer.from(await whole.digest()).toString('base64');
    const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'multi' }));
    const uploaded = [];
    for (const [i, part] of parts.entries()) {
      const { ETag } = await plain.send(new UploadPartCommand({ Bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body: part }));
      uploaded.push({ PartNumber: i + 1, ETag });
    }
    const completed = await plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: uploaded } }));
    expect([completed.ChecksumCRC64NVME, completed.ChecksumType]).toEqual([wholeCrc, 'FULL_OBJECT']);
    const multiHead = await plain.send(new HeadObjectCommand({ Bucket, Key: 'multi', ChecksumMode: 'ENABLED' }));
    expect([multiHead.ChecksumCRC64NVME, multiHead.ChecksumType]).toEqual([wholeCrc, 'FULL_OBJECT']);
    plain.destroy();
  });

  test('a wrong checksum or Content-MD5 is BadDigest, and nothing is stored', async () => {
    const Bucket = await newBucket();
    const bad = await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })));
    expect(bad).toMatchObject({ name: 'BadDigest', status: 400, message: 'The CRC32 you specified did not match the calculated checksum.' });
    const md5 = await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'hello', ContentMD5: createHash('md5').update('other').digest('base64') })));
    expect(md5).toMatchObject({ name: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'k' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  test('HEAD, ranges, conditional requests, error shapes', async () => {
    const Bucket = await newBucket();
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: '0123456789', CacheControl: 'no-cache' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'r' }));
    expect([head.ContentLength, head.ETag, head.CacheControl, head.AcceptRanges]).toEqual([10, ETag, 'no-cache', 'bytes']);
    const range = await s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=-4' }));
    expect([await text(range.Body), range.ContentRange, range.$metadata.httpStatusCode]).toEqual(['6789', 'bytes 6-9/10', 206]);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=20-30' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
    expect((await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'r', IfNoneMatch: ETag })))).status).toBe(304);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'r', IfMatch: '"nope"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'missing key' })));
    expect(missing).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect((missing.err as any).Key).toBe('missing key');
    expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'x'.repeat(1025), Body: 'x' })))).toMatchObject({ name: 'KeyTooLongError', status: 400 });
  });

  test('copy, tagging, DeleteObjects (quiet and verbose)', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'copy me', Tagging: 'a=1', Metadata: { m: 'v' } }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('copy me').digest('hex')}"`);
    expect(copy.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const dst = await s3.send(new GetObjectCommand({ Bucket, Key: 'dst' }));
    expect([await text(dst.Body), dst.Metadata, dst.TagCount]).toEqual(['copy me', { m: 'v' }, 1]);
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'dst', Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'dst' }))).TagSet).toEqual([{ Key: 'x', Value: 'y' }]);

    const verbose = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'src' }, { Key: 'nothing' }] } }));
    expect(verbose.Deleted?.map((d) => d.Key).sort()).toEqual(['nothing', 'src']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'dst' }], Quiet: true } }));
    expect(quiet.Deleted).toBeUndefined();
    expect((await s3.send(new ListObjectsCommand({ Bucket }))).Contents).toBeUndefined();
  });

  test('ListObjectsV2 paginator, delimiter and prefix; ListObjects v1', async () => {
    const Bucket = await newBucket();
    const keys = ['a/1', 'a/2', 'b/1', 'c', 'd é', 'e+f'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket })) {
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      for (const o of page.Contents ?? []) seen.push(o.Key!);
    }
    expect(seen).toEqual(keys);
    const rolled = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/' }));
    expect([rolled.CommonPrefixes?.map((p) => p.Prefix), rolled.Contents?.map((c) => c.Key)]).toEqual([['a/', 'b/'], ['c', 'd é', 'e+f']]);
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/', Delimiter: '/' }));
    expect(v2.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);
  });
});

describe('raw HTTP bodies', () => {
  const put = (path: string, headers: Record<string, string>, body: Buffer) =>
    fetch(`${emu.endpoint}${path}`, { method: 'PUT', headers, body });

  test('a malformed aws-chunked body is a 400 InvalidRequest response, not a dropped connection', async () => {
    const Bucket = await newBucket();
    const res = await put(`/${Bucket}/k`, { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3' }, Buffer.from('zz\r\nabc\r\n0\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidRequest</Code>');
  });

  test('a body longer than it declared is refused mid-stream with a 400, and the connection stays usable', async () => {
    const Bucket = await newBucket();
    const big = Buffer.alloc(512 * 1024, 1);
    const chunked = Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n0\r\n\r\n')]);
    const res = await put(`/${Bucket}/k`, { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5' }, chunked);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>IncompleteBody</Code>');
    const ok = await put(`/${Bucket}/k`, {}, Buffer.from('fine'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${createHash('md5').update('fine').digest('hex')}"`);
  });
});

describe('multipart over the SDK', () => {
  test('upload parts, list, complete (ETag -N), copy part, abort', async () => {
    const Bucket = await newBucket();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ContentType: 'application/zip' }));
    const part1 = Buffer.alloc(mib(5), 'a');
    const p1 = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: part1 }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'piece', Body: 'tail piece' }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 2, CopySource: `${Bucket}/piece`, CopySourceRange: 'bytes=5-9' }));
    const parts = await s3.send(new ListPartsCommand({ Bucket, Key: 'mp', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, mib(5)],
      [2, 5],
    ]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
    const tooSmall = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mp',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.CopyPartResult!.ETag }, { PartNumber: 1, ETag: p1.ETag }] },
        }),
      ),
    );
    expect(tooSmall).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] } }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const obj = await s3.send(new GetObjectCommand({ Bucket, Key: 'mp', Range: `bytes=${mib(5) - 2}-` }));
    expect([await text(obj.Body), obj.ContentType]).toEqual(['aapiece', 'application/zip']);

    const { UploadId: other } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'gone' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'gone', UploadId: other }));
    expect(await failure(s3.send(new UploadPartCommand({ Bucket, Key: 'gone', UploadId: other, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });
});

describe('versioning over the SDK', () => {
  test('versions, delete markers, get by version, ListObjectVersions', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'two' }));
    expect(v1.VersionId).toBeTruthy();
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc' }));
    expect([del.DeleteMarker, typeof del.VersionId]).toEqual([true, 'string']);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'doc' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    const old = await s3.send(new GetObjectCommand({ Bucket, Key: 'doc', VersionId: v1.VersionId }));
    expect([await text(old.Body), old.VersionId]).toEqual(['one', v1.VersionId]);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'doc', VersionId: 'missing' })))).toMatchObject({ name: 'NoSuchVersion', status: 404 });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, false],
      [v1.VersionId, false],
    ]);
    expect(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);
  });
});

describe('restore and notifications over the SDK', () => {
  test('notification configuration: test event to the queue, then one record per write', async () => {
    const fake = new FakeReceiver();
    emu.bus.register('sqs', fake);
    const Bucket = await newBucket();
    const QueueArn = 'arn:aws:sqs:us-east-1:000000000000:sdk-events';
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { QueueConfigurations: [{ Id: 'q', QueueArn, Events: ['s3:ObjectCreated:*'] }] } }));
    expect(fake.received.map((d) => JSON.parse((d.message as { body: string }).body).Event)).toEqual(['s3:TestEvent']);
    const cfg = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(cfg.QueueConfigurations).toEqual([{ Id: 'q', QueueArn, Events: ['s3:ObjectCreated:*'] }]);
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'new file.txt', Body: 'x' }));
    const record = await waitFor(() => {
      const body = fake.received[1] && JSON.parse((fake.received[1].message as { body: string }).body);
      return body?.Records?.[0];
    });
    expect(record).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: Bucket }, object: { key: 'new+file.txt', size: 1, eTag: put.ETag!.replace(/"/g, '') } } });
    expect(record.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);

    fake.refuse.set(QueueArn, 'Permissions on the destination queue do not allow S3 to publish notifications from this bucket');
    const refused = await failure(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: ['s3:ObjectRemoved:*'] }] } })));
    expect(refused).toMatchObject({ name: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' });
  });

  test('RestoreObject answers 202 for an archived object', async () => {
    const Bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cold', Body: 'x', StorageClass: 'GLACIER' }));
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cold' })))).toMatchObject({ name: 'InvalidObjectState', status: 403 });
    const r = await s3.send(new RestoreObjectCommand({ Bucket, Key: 'cold', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } }));
    expect(r.$metadata.httpStatusCode).toBe(202);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold' }))).Restore).toBe('ongoing-request="true"');
  });
});

describe('a 100 MiB object', () => {
  /** Deterministic pseudo-random bytes, produced lazily so the test never holds the whole object. */
  function generated(total: number, chunk = mib(1)): { stream: Readable; sha256: () => string } {
    const hash = createHash('sha256');
    let produced = 0;
    let x = 0x12345678;
    const stream = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        const n = Math.min(chunk, total - produced);
        const buf = Buffer.allocUnsafe(n);
        for (let i = 0; i + 4 <= n; i += 4) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          buf.writeInt32LE(x | 0, i);
        }
        for (let i = n - (n % 4); i < n; i++) buf[i] = i & 0xff;
        hash.update(buf);
        produced += n;
        this.push(buf);
      },
    });
    return { stream, sha256: () => hash.digest('hex') };
  }

  test('uploads as a stream and downloads intact (SHA-256)', async () => {
    const Bucket = await newBucket();
    const size = mib(100);
    const src = generated(size);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'big.bin', Body: src.stream, ContentLength: size }));
    const sent = src.sha256();
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'big.bin' }));
    expect(got.ContentLength).toBe(size);
    const hash = createHash('sha256');
    for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(sent);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'big.bin' }));
  }, 120_000);
});
