import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();

// S3's XML documents carry timestamps to the second with a `.000` (`2009-10-12T17:50:30.000Z`); the AWS CLI v1
// prints them as they arrive. The SDK's own serializer (which the emulator's codec is built on) writes `…:30Z`.
describe('timestamps in S3 XML documents', () => {
  const bucket = 'xml-timestamps';
  // A key that looks like a timestamp must come back as it was stored.
  const key = '2026-01-02T03:04:05Z';
  let xml: (path: string) => Promise<string>;

  beforeAll(async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
    xml = async (path) => {
      const res = await fetch(`${emulator().endpoint}${path}`);
      expect(res.status).toBe(200);
      return res.text();
    };
  });

  const SECOND = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z`;

  it.each([
    ['ListObjectsV2', 'LastModified', `/${bucket}?list-type=2`],
    ['ListObjectVersions', 'LastModified', `/${bucket}?versions`],
    ['ListBuckets', 'CreationDate', '/'],
    ['ListMultipartUploads', 'Initiated', `/${bucket}?uploads`],
  ])('%s writes <%s> as whole seconds with .000Z', async (_op, element, path) => {
    const body = await xml(path);
    const found = [...body.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, 'g'))].map((m) => m[1]);
    expect(found.length).toBeGreaterThan(0);
    for (const t of found) expect(t).toMatch(new RegExp(`^${SECOND}$`));
  });

  it('leaves string members that look like timestamps alone', async () => {
    expect(await xml(`/${bucket}?list-type=2`)).toContain(`<Key>${key}</Key>`);
  });
});
