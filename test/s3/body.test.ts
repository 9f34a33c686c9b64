import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { readUploadBody } from '../../emulator/s3/body';
import { CHECKSUM_ALGORITHMS, checksumOf, compositeChecksum } from '../../emulator/s3/checksums';
import { encodeAwsChunked } from './aws-chunked';
import { awsError, chunkedStream } from './helpers';

const text = Buffer.from('hello world');
const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');

describe('checksums', () => {
  test('match published values (SDK implementations for CRC32C/CRC64NVME, zlib for CRC32)', async () => {
    expect(await checksumOf('CRC32', text)).toBe('DUoRhQ==');
    expect(await checksumOf('CRC32C', text)).toBe('yZRlqg==');
    expect(await checksumOf('SHA1', text)).toBe('Kq5sNclPz7QV2+lfQIuc6R7oRu0=');
    expect(await checksumOf('SHA256', text)).toBe('uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=');
    expect(await checksumOf('MD5', text)).toBe(md5b64(text));
    // Every algorithm yields base64 of its digest length.
    for (const a of CHECKSUM_ALGORITHMS) expect(Buffer.from(await checksumOf(a, text), 'base64').length).toBeGreaterThanOrEqual(4);
  });

  test('CRC32 is the same whether computed at once or incrementally', async () => {
    const big = Buffer.alloc(1_000_003, 9);
    const { checksum } = await readUploadBody(chunkedStream(big, [4096, 17]), { headers: {}, input: { ChecksumAlgorithm: 'CRC32' } });
    expect(checksum).toEqual({ algorithm: 'CRC32', value: await checksumOf('CRC32', big) });
  });

  test('composite multipart checksum is the checksum of the part checksums, with -N', async () => {
    const parts = [await checksumOf('CRC32', Buffer.from('a')), await checksumOf('CRC32', Buffer.from('b'))];
    const expected = await checksumOf('CRC32', Buffer.concat(parts.map((p) => Buffer.from(p, 'base64'))));
    expect(await compositeChecksum('CRC32', parts)).toBe(`${expected}-2`);
  });
});

describe('readUploadBody', () => {
  test('plain stream: one allocation of the announced length, MD5 computed', async () => {
    const data = Buffer.alloc(70_000, 3);
    const got = await readUploadBody(chunkedStream(data, [1000]), { headers: { 'content-length': String(data.length) }, input: {} });
    expect(got.data.equals(data)).toBe(true);
    expect(got.md5.toString('base64')).toBe(md5b64(data));
    expect(got.checksum).toBeUndefined();
  });

  test('accepts a correct x-amz-checksum-crc32 header and stores it', async () => {
    const got = await readUploadBody(text, { headers: {}, input: { ChecksumCRC32: 'DUoRhQ==' } });
    expect(got.checksum).toEqual({ algorithm: 'CRC32', value: 'DUoRhQ==' });
  });

  test('a wrong CRC32 is BadDigest with AWS message', async () => {
    const err = await awsError(readUploadBody(text, { headers: {}, input: { ChecksumCRC32: 'AAAAAA==' } }));
    expect(err).toMatchObject({ code: 'BadDigest', status: 400, message: 'The CRC32 you specified did not match the calculated checksum.' });
  });

  test('a wrong SHA256 names SHA256', async () => {
    const wrong = Buffer.alloc(32).toString('base64');
    const err = await awsError(readUploadBody(text, { headers: { 'x-amz-checksum-sha256': wrong }, input: {} }));
    expect(err.message).toBe('The SHA256 you specified did not match the calculated checksum.');
  });

  test('a checksum of the wrong size is InvalidRequest', async () => {
    const err = await awsError(readUploadBody(text, { headers: {}, input: { ChecksumCRC32: 'AAAA' + 'AAAA' + 'AA==' } }));
    expect(err).toMatchObject({ code: 'InvalidRequest', message: 'Value for x-amz-checksum-crc32 header is invalid.' });
  });

  test('two checksum headers are refused', async () => {
    const err = await awsError(readUploadBody(text, { headers: {}, input: { ChecksumCRC32: 'DUoRhQ==', ChecksumCRC32C: 'yZRlqg==' } }));
    expect(err.code).toBe('InvalidRequest');
  });

  test('Content-MD5: right passes, wrong is BadDigest, malformed is InvalidDigest', async () => {
    await expect(readUploadBody(text, { headers: {}, input: { ContentMD5: md5b64(text) } })).resolves.toBeDefined();
    const bad = await awsError(readUploadBody(text, { headers: {}, input: { ContentMD5: md5b64(Buffer.from('x')) } }));
    expect(bad).toMatchObject({ code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' });
    const invalid = await awsError(readUploadBody(text, { headers: {}, input: { ContentMD5: 'nope' } }));
    expect(invalid.code).toBe('InvalidDigest');
  });

  test('aws-chunked body with a trailing checksum: decoded, checked against the trailer', async () => {
    const data = Buffer.alloc(200_000, 5);
    const crc = await checksumOf('CRC32', data);
    const wire = encodeAwsChunked(data, { chunkSize: 65536, trailers: { 'x-amz-checksum-crc32': crc } });
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-length': String(wire.length),
    };
    const got = await readUploadBody(chunkedStream(wire, [1000, 77777]), { headers, input: { ChecksumAlgorithm: 'CRC32' } });
    expect(got.data.equals(data)).toBe(true);
    expect(got.checksum).toEqual({ algorithm: 'CRC32', value: crc });
  });

  test('aws-chunked body whose trailer checksum is wrong is BadDigest', async () => {
    const data = Buffer.from('some data');
    const wire = encodeAwsChunked(data, { chunkSize: 4, signed: true, trailers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const err = await awsError(readUploadBody(Readable.from([wire]), { headers, input: {} }));
    expect(err.message).toBe('The CRC32 you specified did not match the calculated checksum.');
  });

  test('announced trailer that never comes is refused', async () => {
    const data = Buffer.from('abc');
    const wire = encodeAwsChunked(data, { chunkSize: 4 });
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': '3' };
    expect((await awsError(readUploadBody(Readable.from([wire]), { headers, input: {} }))).code).toBe('IncompleteBody');
  });

  test('decoded length differing from x-amz-decoded-content-length is IncompleteBody', async () => {
    const wire = encodeAwsChunked(Buffer.from('abcdef'), { chunkSize: 4 });
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '10' };
    expect((await awsError(readUploadBody(Readable.from([wire]), { headers, input: {} }))).code).toBe('IncompleteBody');
  });

  test('x-amz-content-sha256 with a real digest is verified', async () => {
    const good = createHash('sha256').update(text).digest('hex');
    await expect(readUploadBody(Readable.from([text]), { headers: { 'x-amz-content-sha256': good }, input: {} })).resolves.toBeDefined();
    const err = await awsError(readUploadBody(Readable.from([text]), { headers: { 'x-amz-content-sha256': 'a'.repeat(64) }, input: {} }));
    expect(err.code).toBe('XAmzContentSHA256Mismatch');
  });
});
