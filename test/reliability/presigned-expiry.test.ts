import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig } from '../helpers/emulator';

/**
 * Presigned URLs expire as on S3 even without --verify-signatures (AWS never serves an expired URL; LocalStack
 * does unless signature validation is on), and by the emulator's clock: here a virtual one, which only the test
 * moves, so "60 seconds later" is exact and takes no time. Wording and fields: test/core/presigned-url.test.ts.
 */

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const bucket = 'presigned-bucket';
let clock: VirtualClock;
let emu: RunningEmulator;

beforeAll(async () => {
  clock = new VirtualClock(START);
  emu = await startEmulator({ port: 0, log: () => {}, clock });
  const s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.txt', Body: 'quarterly' }));
  s3.destroy();
});
afterAll(() => emu.stop());

/** A presigned URL as @aws-sdk/s3-request-presigner makes it, signed at the emulator's current time. */
async function presign(method: 'GET' | 'PUT' | 'HEAD', key: string, expiresIn: number): Promise<string> {
  const base = new URL(emu.endpoint);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, sha256: Sha256, uriEscapePath: false });
  const request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: base.hostname,
    port: Number(base.port),
    path: `/${bucket}/${encodeURIComponent(key)}`,
    headers: { host: base.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const signed = await signer.presign(request, { expiresIn, signingDate: new Date(clock.now()) });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${emu.endpoint}${signed.path}?${query}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('without --verify-signatures, on a virtual clock', () => {
  it('serves a GET URL through its last second and refuses it after: 403 AccessDenied "Request has expired"', async () => {
    const url = await presign('GET', 'report.txt', 60);
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe('quarterly');

    clock.advance(60_000);
    expect((await fetch(url)).status).toBe(200);

    clock.advance(1_000);
    const stale = await fetch(url);
    expect(stale.status).toBe(403);
    const body = await stale.text();
    expect(body).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    // ServerTime is the emulator's time, not this machine's.
    const signedAt = clock.now() - 61_000;
    expect(body).toContain(`<X-Amz-Expires>60</X-Amz-Expires><Expires>${iso(signedAt + 60_000)}</Expires><ServerTime>${iso(clock.now())}</ServerTime>`);
  });

  it('refuses an expired PUT URL without storing the upload', async () => {
    const url = await presign('PUT', 'late.txt', 30);
    clock.advance(31_000);
    const put = await fetch(url, { method: 'PUT', body: 'too late' });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('<Message>Request has expired</Message>');
    const get = await fetch(await presign('GET', 'late.txt', 60));
    expect(get.status).toBe(404);
  });

  it('answers an expired HEAD URL with 403 and no body', async () => {
    const url = await presign('HEAD', 'report.txt', 10);
    clock.advance(11_000);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(403);
    expect(await head.text()).toBe('');
  });

  it('lets a PUT URL upload before it expires', async () => {
    const put = await fetch(await presign('PUT', 'on-time.txt', 30), { method: 'PUT', body: 'on time' });
    expect(put.status).toBe(200);
    const get = await fetch(await presign('GET', 'on-time.txt', 30));
    expect(await get.text()).toBe('on time');
  });
});

describe('X-Amz-Expires out of range or malformed: 400 AuthorizationQueryParametersError', () => {
  async function withExpires(value: string): Promise<{ status: number; body: string }> {
    const url = new URL(await presign('GET', 'report.txt', 60));
    url.searchParams.set('X-Amz-Expires', value);
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }

  it('more than a week (604800 seconds)', async () => {
    const r = await withExpires('604801');
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>AuthorizationQueryParametersError</Code>');
    expect(r.body).toContain(
      '<Message>X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds</Message>',
    );
  });

  it('not a number', async () => {
    const r = await withExpires('soon');
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>AuthorizationQueryParametersError</Code><Message>X-Amz-Expires should be a number</Message>');
  });

  it('negative', async () => {
    const r = await withExpires('-60');
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>AuthorizationQueryParametersError</Code><Message>X-Amz-Expires must be non-negative</Message>');
  });

  it('missing, while the other query-authentication parameters are there', async () => {
    const url = new URL(await presign('GET', 'report.txt', 60));
    url.searchParams.delete('X-Amz-Expires');
    const res = await fetch(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>AuthorizationQueryParametersError</Code>');
  });
});

it('leaves header-signed SDK requests alone, whatever the clock says', async () => {
  clock.advance(30 * 86_400_000);
  const s3 = new S3Client({ ...clientConfig(emu), forcePathStyle: true, maxAttempts: 1 });
  try {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sdk.txt', Body: 'ok' }));
    expect(put.$metadata.httpStatusCode).toBe(200);
  } finally {
    s3.destroy();
  }
});
