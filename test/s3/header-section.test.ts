import { rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/*
 * A request with a header section over Node's 16 KB default (a 70,000-character header, found by the botocore
 * sweep) had its connection reset (botocore: ConnectionClosedError); S3 answers 400 RequestHeaderSectionTooLarge
 * once the section passes 8 KB, and other services answer the request.
 */
const emulator = useEmulator();
const s3Headers = (extra: number) => ({ authorization: sigv4('s3'), 'x-amz-meta-pad': 'a'.repeat(extra) });

beforeAll(async () => {
  await rawRequest(emulator(), '/header-section', { method: 'PUT', headers: { authorization: sigv4('s3') } });
});

it.each([9_000, 70_000])('S3 refuses a %i-byte header with RequestHeaderSectionTooLarge (400), not a reset', async (size) => {
  const res = await rawRequest(emulator(), '/header-section/key', { method: 'GET', headers: s3Headers(size) });
  expect(res.status).toBe(400);
  expect(res.text).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
  expect(res.text).toContain('<MaxSizeAllowed>8192</MaxSizeAllowed>');
});

it('S3 serves a request just under 8 KB of headers', async () => {
  const res = await rawRequest(emulator(), '/header-section', { method: 'GET', headers: s3Headers(7_000) });
  expect(res.status).toBe(200);
});

it('another service reads a 70,000-byte header and answers the request', async () => {
  const res = await rawRequest(emulator(), '/', {
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.ListQueues',
      authorization: sigv4('sqs'),
      'x-pad': 'a'.repeat(70_000),
    },
    body: '{}',
  });
  expect(res.status).toBe(200);
});
