import { createHash } from 'node:crypto';
import { RESPONSE_META } from '../../emulator/core/service';
import { awsError, ctx, setup } from './helpers';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const meta = (o: object) => (o as any)[RESPONSE_META] as { status?: number; headers?: Record<string, string> } | undefined;

async function withBucket() {
  const env = setup();
  await env.s3.CreateBucket({ Bucket: 'objects-bucket' }, ctx());
  return env;
}
const B = 'objects-bucket';

describe('PutObject / GetObject / HeadObject', () => {
  test('stores bytes, headers and metadata; ETag is the quoted MD5', async () => {
    const { s3, clock } = await withBucket();
    const put = await s3.PutObject(
      {
        Bucket: B,
        Key: 'docs/readme.txt',
        Body: Buffer.from('hello'),
        ContentType: 'text/plain',
        ContentDisposition: 'inline',
        CacheControl: 'max-age=60',
        ContentLanguage: 'en',
        ContentEncoding: 'identity',
        Expires: new Date('2030-01-01T00:00:00Z'),
        Metadata: { Color: 'blue' },
      },
      ctx(),
    );
    expect(put.ETag).toBe(`"${md5('hello')}"`);
    expect(put.VersionId).toBeUndefined();
    const got = await s3.GetObject({ Bucket: B, Key: 'docs/readme.txt' }, ctx());
    expect(String(got.Body)).toBe('hello');
    expect(got).toMatchObject({
      ContentType: 'text/plain',
      ContentDisposition: 'inline',
      CacheControl: 'max-age=60',
      ContentLanguage: 'en',
      ContentEncoding: 'identity',
      ContentLength: 5,
      ETag: put.ETag,
      Metadata: { color: 'blue' },
      AcceptRanges: 'bytes',
    });
    expect(got.Expires).toEqual(new Date('2030-01-01T00:00:00Z'));
    expect(got.LastModified).toEqual(new Date(Math.floor(clock.now() / 1000) * 1000));
    const head = await s3.HeadObject({ Bucket: B, Key: 'docs/readme.txt' }, ctx());
    expect(head).not.toHaveProperty('Body');
    expect(head.ContentLength).toBe(5);
  });

  test('default content type is binary/octet-stream; response-* overrides apply', async () => {
    const { s3 } = await withBucket();
    await s3.PutObject({ Bucket: B, Key: 'k', Body: Buffer.from('x') }, ctx());
    expect((await s3.GetObject({ Bucket: B, Key: 'k' }, ctx())).ContentType).toBe('binary/octet-stream');
    const o = await s3.GetObject({ Bucket: B, Key: 'k', ResponseContentType: 'text/csv', ResponseContentDisposition: 'attachment' }, ctx());
    expect(o).toMatchObject({ ContentType: 'text/csv', ContentDisposition: 'attachment' });
  });

  test('missing bucket / key', async () => {
    const { s3 } = await withBucket();
    expect(await awsError(s3.GetObject({ Bucket: 'no-such-bucket', Key: 'k' }, ctx()))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    const e = await awsError(s3.GetObject({ Bucket: B, Key: 'nope' }, ctx()));
    expect(e).toMatchObject({ code: 'NoSuchKey', status: 404, fields: { Key: 'nope' } });
    expect((await awsError(s3.HeadObject({ Bucket: B, Key: 'nope' }, ctx()))).status).toBe(404);
  });

  test('key and metadata limits', async () => {
    const { s3 } = await withBucket();
    const long = 'é'.repeat(513); // 1026 bytes
    expect(await awsError(s3.PutObject({ Bucket: B, Key: long, Body: Buffer.alloc(0) }, ctx()))).toMatchObject({ code: 'KeyTooLongError', status: 400 });
    await expect(s3.PutObject({ Bucket: B, Key: 'k'.repeat(1024), Body: Buffer.alloc(0) }, ctx())).resolves.toBeDefined();
    const big = { a: 'x'.repeat(2048) };
    expect(await awsError(s3.PutObject({ Bucket: B, Key: 'm', Body: Buffer.alloc(0), Metadata: big }, ctx()))).toMatchObject({ code: 'MetadataTooLarge' });
  });

  test('ranges: a-b, a-, -n → 206 with Content-Range; unsatisfiable → 416; malformed → whole object', async () => {
    const { s3 } = await withBucket();
    await s3.PutObject({ Bucket: B, Key: 'r', Body: Buffer.from('0123456789') }, ctx());
    const cases: [string, string, string][] = [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
      ['bytes=-50', '0123456789', 'bytes 0-9/10'],
    ];
    for (const [Range, body, contentRange] of cases) {
      const o = await s3.GetObject({ Bucket: B, Key: 'r', Range }, ctx());
      expect([String(o.Body), o.ContentRange, o.ContentLength, meta(o)?.status]).toEqual([body, contentRange, body.length, 206]);
    }
    expect(await awsError(s3.GetObject({ Bucket: B, Key: 'r', Range: 'bytes=10-' }, ctx()))).toMatchObject({
      code: 'InvalidRange',
      status: 416,
      fields: { ActualObjectSize: '10', RangeRequested: 'bytes=10-' },
    });
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'r', Range: 'bytes=-0' }, ctx()))).code).toBe('InvalidRange');
    const whole = await s3.GetObject({ Bucket: B, Key: 'r', Range: 'items=1-2' }, ctx());
    expect([String(whole.Body), meta(whole)?.status]).toEqual(['0123456789', undefined]);
  });

  test('conditional GET: If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since', async () => {
    const { s3, clock } = await withBucket();
    const { ETag } = await s3.PutObject({ Bucket: B, Key: 'c', Body: Buffer.from('v') }, ctx());
    const lastModified = new Date(Math.floor(clock.now() / 1000) * 1000);
    const before = new Date(lastModified.getTime() - 1000);
    await expect(s3.GetObject({ Bucket: B, Key: 'c', IfMatch: ETag }, ctx())).resolves.toBeDefined();
    await expect(s3.GetObject({ Bucket: B, Key: 'c', IfMatch: '*' }, ctx())).resolves.toBeDefined();
    expect(await awsError(s3.GetObject({ Bucket: B, Key: 'c', IfMatch: '"abc"' }, ctx()))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    const nm = await awsError(s3.GetObject({ Bucket: B, Key: 'c', IfNoneMatch: ETag }, ctx()));
    expect(nm).toMatchObject({ code: 'NotModified', status: 304 });
    expect(meta(nm)?.headers?.etag).toBe(ETag);
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'c', IfModifiedSince: lastModified }, ctx()))).status).toBe(304);
    await expect(s3.GetObject({ Bucket: B, Key: 'c', IfModifiedSince: before }, ctx())).resolves.toBeDefined();
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'c', IfUnmodifiedSince: before }, ctx()))).status).toBe(412);
    // If-Match true wins over If-Unmodified-Since false; If-None-Match false wins over If-Modified-Since true.
    await expect(s3.GetObject({ Bucket: B, Key: 'c', IfMatch: ETag, IfUnmodifiedSince: before }, ctx())).resolves.toBeDefined();
    expect((await awsError(s3.HeadObject({ Bucket: B, Key: 'c', IfNoneMatch: ETag, IfModifiedSince: before }, ctx()))).status).toBe(304);
  });

  test('conditional writes: If-None-Match * and If-Match', async () => {
    const { s3 } = await withBucket();
    const first = await s3.PutObject({ Bucket: B, Key: 'w', Body: Buffer.from('1'), IfNoneMatch: '*' }, ctx());
    expect((await awsError(s3.PutObject({ Bucket: B, Key: 'w', Body: Buffer.from('2'), IfNoneMatch: '*' }, ctx()))).status).toBe(412);
    await expect(s3.PutObject({ Bucket: B, Key: 'w', Body: Buffer.from('3'), IfMatch: first.ETag }, ctx())).resolves.toBeDefined();
    expect((await awsError(s3.PutObject({ Bucket: B, Key: 'w', Body: Buffer.from('4'), IfMatch: first.ETag }, ctx()))).status).toBe(412);
    expect((await awsError(s3.PutObject({ Bucket: B, Key: 'absent', Body: Buffer.from('4'), IfMatch: first.ETag }, ctx()))).code).toBe('NoSuchKey');
    expect(String((await s3.GetObject({ Bucket: B, Key: 'w' }, ctx())).Body)).toBe('3');
  });

  test('x-amz-tagging on put; object tagging API and its limits', async () => {
    const { s3 } = await withBucket();
    await s3.PutObject({ Bucket: B, Key: 't', Body: Buffer.from('x'), Tagging: 'a=1&b=two%20words' }, ctx());
    expect((await s3.GetObjectTagging({ Bucket: B, Key: 't' }, ctx())).TagSet).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
    ]);
    expect((await s3.GetObject({ Bucket: B, Key: 't' }, ctx())).TagCount).toBe(2);
    await s3.PutObjectTagging({ Bucket: B, Key: 't', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }, ctx());
    expect((await s3.GetObjectTagging({ Bucket: B, Key: 't' }, ctx())).TagSet).toEqual([{ Key: 'only', Value: 'one' }]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect((await awsError(s3.PutObjectTagging({ Bucket: B, Key: 't', Tagging: { TagSet: eleven } }, ctx()))).message).toBe('Object tags cannot be greater than 10');
    expect((await awsError(s3.PutObjectTagging({ Bucket: B, Key: 't', Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } }, ctx()))).code).toBe('InvalidTag');
    await s3.DeleteObjectTagging({ Bucket: B, Key: 't' }, ctx());
    expect((await s3.GetObjectTagging({ Bucket: B, Key: 't' }, ctx())).TagSet).toEqual([]);
    expect((await awsError(s3.GetObjectTagging({ Bucket: B, Key: 'missing' }, ctx()))).code).toBe('NoSuchKey');
  });
});

describe('CopyObject', () => {
  test('COPY keeps metadata and tags; REPLACE takes new ones; result has ETag and LastModified', async () => {
    const { s3 } = await withBucket();
    await s3.CreateBucket({ Bucket: 'other-bucket' }, ctx());
    await s3.PutObject({ Bucket: B, Key: 'src key', Body: Buffer.from('data'), ContentType: 'text/plain', Metadata: { a: '1' }, Tagging: 't=1' }, ctx());
    const copy = await s3.CopyObject({ Bucket: 'other-bucket', Key: 'dst', CopySource: `${B}/src%20key` }, ctx());
    expect(copy.CopyObjectResult).toMatchObject({ ETag: `"${md5('data')}"` });
    expect(copy.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const dst = await s3.GetObject({ Bucket: 'other-bucket', Key: 'dst' }, ctx());
    expect([String(dst.Body), dst.ContentType, dst.Metadata, dst.TagCount]).toEqual(['data', 'text/plain', { a: '1' }, 1]);

    await s3.CopyObject({ Bucket: B, Key: 'replaced', CopySource: `/${B}/src key`, MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'application/json', TaggingDirective: 'REPLACE', Tagging: '' }, ctx());
    const r = await s3.HeadObject({ Bucket: B, Key: 'replaced' }, ctx());
    expect([r.Metadata, r.ContentType, r.TagCount]).toEqual([{ b: '2' }, 'application/json', undefined]);
  });

  test('copy errors: missing source, copy onto itself without changes, source conditions', async () => {
    const { s3 } = await withBucket();
    await s3.PutObject({ Bucket: B, Key: 'a', Body: Buffer.from('x') }, ctx());
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'b', CopySource: `${B}/zzz` }, ctx()))).code).toBe('NoSuchKey');
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'b', CopySource: `missing-bucket/a` }, ctx()))).code).toBe('NoSuchBucket');
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'a', CopySource: `${B}/a` }, ctx()))).code).toBe('InvalidRequest');
    await expect(s3.CopyObject({ Bucket: B, Key: 'a', CopySource: `${B}/a`, MetadataDirective: 'REPLACE' }, ctx())).resolves.toBeDefined();
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'b', CopySource: `${B}/a`, CopySourceIfMatch: '"nope"' }, ctx()))).status).toBe(412);
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'b', CopySource: 'justabucket' }, ctx()))).code).toBe('InvalidArgument');
  });
});

describe('DeleteObject / DeleteObjects', () => {
  test('unversioned delete removes the key and is idempotent', async () => {
    const { s3 } = await withBucket();
    await s3.PutObject({ Bucket: B, Key: 'd', Body: Buffer.from('x') }, ctx());
    expect(await s3.DeleteObject({ Bucket: B, Key: 'd' }, ctx())).toEqual({});
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'd' }, ctx()))).code).toBe('NoSuchKey');
    expect(await s3.DeleteObject({ Bucket: B, Key: 'd' }, ctx())).toEqual({});
  });

  test('DeleteObjects: per-key results, Quiet mode shows only errors', async () => {
    const { s3 } = await withBucket();
    for (const Key of ['x', 'y']) await s3.PutObject({ Bucket: B, Key, Body: Buffer.from(Key) }, ctx());
    const r = await s3.DeleteObjects({ Bucket: B, Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }, { Key: 'never' }, { Key: 'k'.repeat(1100) }] } }, ctx());
    expect(r.Deleted?.map((d) => d.Key)).toEqual(['x', 'y', 'never']);
    expect(r.Errors).toEqual([{ Key: 'k'.repeat(1100), Code: 'KeyTooLongError', Message: 'Your key is too long', VersionId: undefined }]);
    const quiet = await s3.DeleteObjects({ Bucket: B, Delete: { Objects: [{ Key: 'x' }], Quiet: true } }, ctx());
    expect(quiet).toEqual({});
    expect((await s3.ListObjectsV2({ Bucket: B }, ctx())).KeyCount).toBe(0);
    expect((await awsError(s3.DeleteObjects({ Bucket: B, Delete: { Objects: [] } }, ctx()))).code).toBe('MalformedXML');
  });
});

describe('ListObjects (v1) and ListObjectsV2 options', () => {
  test('v1 Marker/NextMarker with delimiter; v2 StartAfter, FetchOwner, EncodingType=url', async () => {
    const { s3 } = await withBucket();
    for (const Key of ['a/1', 'a/2', 'b', 'c d/e', 'f']) await s3.PutObject({ Bucket: B, Key, Body: Buffer.from('x') }, ctx());
    const v1 = await s3.ListObjects({ Bucket: B, Delimiter: '/', MaxKeys: 2 }, ctx());
    expect(v1).toMatchObject({ IsTruncated: true, NextMarker: 'b', CommonPrefixes: [{ Prefix: 'a/' }], Contents: [{ Key: 'b' }] });
    const v1b = await s3.ListObjects({ Bucket: B, Delimiter: '/', Marker: v1.NextMarker }, ctx());
    expect([v1b.CommonPrefixes, v1b.Contents?.map((c) => c.Key)]).toEqual([[{ Prefix: 'c d/' }], ['f']]);

    const v2 = await s3.ListObjectsV2({ Bucket: B, StartAfter: 'a/2', FetchOwner: true, EncodingType: 'url' }, ctx());
    expect(v2.Contents?.map((c) => c.Key)).toEqual(['b', 'c+d/e', 'f']);
    expect(v2.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(v2.EncodingType).toBe('url');
    expect((await awsError(s3.ListObjectsV2({ Bucket: B, ContinuationToken: 'garbage' }, ctx()))).code).toBe('InvalidArgument');
    expect((await s3.ListObjectsV2({ Bucket: B, MaxKeys: 0 }, ctx()))).toMatchObject({ KeyCount: 0, IsTruncated: false });
  });
});
