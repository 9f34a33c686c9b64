import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import http from 'node:http';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { errorOf, statusOf, uniqueName } from './helpers';

/**
 * S3 limits as AWS enforces them, through the official client (REST-XML): key length (1,024 bytes of UTF-8 →
 * KeyTooLongError), bucket names ("General purpose bucket naming rules" → InvalidBucketName), user-defined
 * metadata (2 KB of UTF-8 names and values → MetadataTooLarge), object tags (10 → BadRequest; keys ≤128,
 * values ≤256 → InvalidTag), bucket tags (50), and 5 GiB per PutObject/UploadPart (EntityTooLarge, refused from the
 * announced length).
 */

let emu: RunningEmulator;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => {} });
  s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  bucket = uniqueName('limits');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3.destroy();
  await emu.stop();
});

const put = (Key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x', ...extra }));
const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));

describe('object keys', () => {
  it('take up to 1,024 bytes; 1,025 is KeyTooLongError (400) with Size and MaxSizeAllowed', async () => {
    await put('k'.repeat(1024));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k'.repeat(1024) }));
    expect(head.ContentLength).toBe(1);
    const err = await errorOf(() => put('k'.repeat(1025)));
    expect(err.name).toBe('KeyTooLongError');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe('Your key is too long');
    expect(err).toMatchObject({ Size: '1025', MaxSizeAllowed: '1024' });
  });

  it('count UTF-8 bytes, not characters', async () => {
    await put('é'.repeat(512)); // 1,024 bytes
    const err = await errorOf(() => put('é'.repeat(513)));
    expect(err.name).toBe('KeyTooLongError');
    expect(err).toMatchObject({ Size: '1026' });
    const emoji = await errorOf(() => put(`${'😀'.repeat(256)}x`)); // 4 bytes each: 1,025
    expect(emoji.name).toBe('KeyTooLongError');
  });

  it('apply to multipart uploads and copy destinations too', async () => {
    const long = 'm'.repeat(1025);
    expect((await errorOf(() => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: long })))).name).toBe('KeyTooLongError');
    await put('copy-source');
    const copy = await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: long, CopySource: `${bucket}/copy-source` })));
    expect(copy.name).toBe('KeyTooLongError');
  });
});

describe('object size (5 GiB per PutObject / UploadPart)', () => {
  /** A PUT whose headers announce `length` bytes, of which only a few are sent: S3 answers from the headers. */
  function announce(pathAndQuery: string, length: number): Promise<{ status: number; body: string }> {
    const url = new URL(`${emu.endpoint}${pathAndQuery}`);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'PUT', headers: { 'content-length': String(length) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, body });
        });
      });
      req.on('error', reject);
      req.write('the first bytes of a very large body');
    });
  }

  it('refuses a PutObject announcing more than 5 GiB with EntityTooLarge, before reading the body', async () => {
    const six = 6 * 1024 ** 3;
    const r = await announce(`/${bucket}/huge`, six);
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>EntityTooLarge</Code>');
    expect(r.body).toContain('<Message>Your proposed upload exceeds the maximum allowed size</Message>');
    expect(r.body).toContain(`<ProposedSize>${six}</ProposedSize>`);
    expect(r.body).toContain('<MaxSizeAllowed>5368709120</MaxSizeAllowed>');
    expect((await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'huge' })))).name).toBe('NotFound');
  });

  it('refuses an UploadPart announcing more than 5 GiB the same way', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'huge-mpu' }));
    const r = await announce(`/${bucket}/huge-mpu?partNumber=1&uploadId=${encodeURIComponent(UploadId!)}`, 1e15);
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>EntityTooLarge</Code>');
    expect(r.body).toContain('<ProposedSize>1000000000000000</ProposedSize>');
  });

  it('a client that goes away mid-body is not a server failure', async () => {
    const logged: string[] = [];
    const quiet = await startEmulator({ port: 0, log: (m) => logged.push(m) });
    try {
      const c = new S3Client({ ...clientConfig(quiet), forcePathStyle: true, maxAttempts: 1 });
      await c.send(new CreateBucketCommand({ Bucket: 'abandoned' }));
      c.destroy();
      const url = new URL(`${quiet.endpoint}/abandoned/k`);
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'content-length': '1000000' } });
      req.on('error', () => undefined);
      req.write('x'.repeat(1000));
      await waitFor(() => quiet.bus.busy(), { what: 'the upload to be under way' });
      req.destroy();
      await waitFor(() => !quiet.bus.busy(), { what: 'the abandoned upload to be settled' });
      expect(logged).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });
});

describe('bucket names', () => {
  it.each([
    'abc',
    'a'.repeat(63),
    '0-9',
    'my.bucket.name',
    'a--b',
    '1.2.3',
    'amzn-s3-demo',
  ])('accepts %s', async (name) => {
    await expect(s3.send(new CreateBucketCommand({ Bucket: name }))).resolves.toBeDefined();
  });

  it.each([
    ['ab', 'shorter than 3'],
    ['a'.repeat(64), 'longer than 63'],
    ['Upper', 'upper case'],
    ['under_score', 'underscore'],
    ['sp ace', 'space'],
    ['-lead', 'leading hyphen'],
    ['trail-', 'trailing hyphen'],
    ['.lead', 'leading period'],
    ['trail.', 'trailing period'],
    ['a..b', 'two adjacent periods'],
    ['a.-b', 'a label starting with a hyphen'],
    ['a-.b', 'a label ending with a hyphen'],
    ['192.168.5.4', 'an IP address'],
    ['xn--abc', 'the xn-- prefix'],
    ['sthree-abc', 'the sthree- prefix'],
    ['amzn-s3-demo-bucket', 'the amzn-s3-demo- prefix'],
    ['abc-s3alias', 'the -s3alias suffix'],
    ['abc--ol-s3', 'the --ol-s3 suffix'],
    ['abc.mrap', 'the .mrap suffix'],
    ['abc--table-s3', 'the --table-s3 suffix'],
    // (`--x-s3` names are refused too, but the SDK treats them as directory buckets and never sends CreateBucket
    // here: emulator/s3/names.ts covers them.)
  ])('refuses %s (%s) with InvalidBucketName', async (name) => {
    const err = await errorOf(() => s3.send(new CreateBucketCommand({ Bucket: name })));
    expect(err.name).toBe('InvalidBucketName');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe('The specified bucket is not valid.');
    expect(err).toMatchObject({ BucketName: name });
  });
});

describe('user-defined metadata', () => {
  it('takes 2 KB of names and values (UTF-8); more is MetadataTooLarge (400)', async () => {
    // "a" (1) + 2,047 = 2,048 bytes: the limit.
    await put('meta-ok', { Metadata: { a: 'v'.repeat(2047) } });
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta-ok' }))).Metadata?.a).toHaveLength(2047);
    const err = await errorOf(() => put('meta-big', { Metadata: { a: 'v'.repeat(2048) } }));
    expect(err.name).toBe('MetadataTooLarge');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe('Your metadata headers exceed the maximum allowed metadata size');
    expect(err).toMatchObject({ Size: '2049', MaxSizeAllowed: '2048' });
    // Many small entries add up: 100 × ("name-000" + "value-123456") = 2,000 bytes fits, 110 × 20 = 2,200 does not.
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`name-${String(i).padStart(3, '0')}`, 'value-123456']));
    await put('meta-many', { Metadata: many(100) });
    const names = await errorOf(() => put('meta-names', { Metadata: many(110) }));
    expect(names.name).toBe('MetadataTooLarge');
  });

  it('is limited on multipart uploads and on copies that replace it', async () => {
    const big = { a: 'v'.repeat(2048) };
    expect((await errorOf(() => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu', Metadata: big })))).name).toBe('MetadataTooLarge');
    await put('copy-meta-source');
    const copy = await errorOf(() =>
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy-meta', CopySource: `${bucket}/copy-meta-source`, MetadataDirective: 'REPLACE', Metadata: big })),
    );
    expect(copy.name).toBe('MetadataTooLarge');
  });
});

describe('tags', () => {
  it('an object takes 10 tags; 11 is BadRequest "Object tags cannot be greater than 10"', async () => {
    await put('tagged');
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged', Tagging: { TagSet: tags(10) } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }))).TagSet).toHaveLength(10);
    const err = await errorOf(() => s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged', Tagging: { TagSet: tags(11) } })));
    expect(err.name).toBe('BadRequest');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe('Object tags cannot be greater than 10');
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }))).TagSet).toHaveLength(10);
  });

  it('the x-amz-tagging header is held to the same limit (PutObject, CreateMultipartUpload, CopyObject REPLACE)', async () => {
    const header = tags(11).map((t) => `${t.Key}=${t.Value}`).join('&');
    expect((await errorOf(() => put('tag-header', { Tagging: header }))).message).toBe('Object tags cannot be greater than 10');
    expect((await errorOf(() => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'tag-mpu', Tagging: header })))).name).toBe('BadRequest');
    await put('tag-copy-source');
    const copy = await errorOf(() =>
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'tag-copy', CopySource: `${bucket}/tag-copy-source`, TaggingDirective: 'REPLACE', Tagging: header })),
    );
    expect(copy.name).toBe('BadRequest');
  });

  it('keys take 128 characters and values 256 (InvalidTag beyond)', async () => {
    await put('tag-sizes');
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tag-sizes', Tagging: { TagSet: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] } }));
    const key = await errorOf(() => s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tag-sizes', Tagging: { TagSet: [{ Key: 'k'.repeat(129), Value: 'v' }] } })));
    expect(key.name).toBe('InvalidTag');
    expect(key.message).toBe('The TagKey you have provided is too long, max 128');
    const value = await errorOf(() => s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tag-sizes', Tagging: { TagSet: [{ Key: 'k', Value: 'v'.repeat(257) }] } })));
    expect(value.name).toBe('InvalidTag');
    expect(value.message).toBe('The TagValue you have provided is too long, max 256');
  });

  it('a bucket takes 50 tags', async () => {
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags(50) } }));
    const err = await errorOf(() => s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags(51) } })));
    expect(err.name).toBe('InvalidTag');
    expect(statusOf(err)).toBe(400);
  });
});
