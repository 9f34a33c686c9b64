import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder, isAwsChunked, storedContentEncoding } from '../../emulator/s3/chunked';
import { encodeAwsChunked } from './aws-chunked';
import { chunkedStream } from './helpers';

async function decode(source: Readable): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  await pipeline(source, decoder, async (decoded: AsyncIterable<Buffer>) => {
    for await (const c of decoded) out.push(c);
  });
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

const payload = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));

describe('aws-chunked decoding', () => {
  test('unsigned payload with a checksum trailer, split at every byte boundary', async () => {
    const data = payload(100);
    const wire = encodeAwsChunked(data, { chunkSize: 30, trailers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
    for (let split = 1; split < wire.length; split++) {
      const { data: got, trailers } = await decode(Readable.from([wire.subarray(0, split), wire.subarray(split)]));
      expect(got.equals(data)).toBe(true);
      expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==' });
    }
  });

  test('signed chunks (chunk-signature extensions) and a signed trailer, fed one byte at a time', async () => {
    const data = payload(300);
    const wire = encodeAwsChunked(data, { chunkSize: 64, signed: true, trailers: { 'x-amz-checksum-sha256': 'abc=' } });
    const { data: got, trailers } = await decode(chunkedStream(wire, [1]));
    expect(got.equals(data)).toBe(true);
    expect(trailers['x-amz-checksum-sha256']).toBe('abc=');
    expect(trailers['x-amz-trailer-signature']).toMatch(/^a+3e7$/);
  });

  test('signed streaming without trailers', async () => {
    const data = payload(5000);
    const wire = encodeAwsChunked(data, { chunkSize: 1024, signed: true });
    const { data: got, trailers } = await decode(chunkedStream(wire, [7, 1500, 3]));
    expect(got.equals(data)).toBe(true);
    expect(trailers).toEqual({});
  });

  test('a large body in irregular network-sized pieces', async () => {
    const data = payload(1024 * 1024 + 13);
    const wire = encodeAwsChunked(data, { chunkSize: 65536, trailers: { 'x-amz-checksum-crc32c': 'q83vEg==' } });
    const { data: got, trailers } = await decode(chunkedStream(wire, [16384, 999, 65536, 1, 40000]));
    expect(got.equals(data)).toBe(true);
    expect(trailers['x-amz-checksum-crc32c']).toBe('q83vEg==');
  });

  test('an empty payload', async () => {
    const { data, trailers } = await decode(Readable.from([Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]));
    expect(data.length).toBe(0);
    expect(trailers['x-amz-checksum-crc32']).toBe('AAAAAA==');
  });

  test('tolerates a trailer section without the final empty line', async () => {
    const data = payload(10);
    const wire = encodeAwsChunked(data, { chunkSize: 4, trailers: { 'x-amz-checksum-crc32': 'X==' }, finalCrlf: false });
    const { data: got, trailers } = await decode(Readable.from([wire]));
    expect(got.equals(data)).toBe(true);
    expect(trailers['x-amz-checksum-crc32']).toBe('X==');
  });

  test('a body cut short is IncompleteBody', async () => {
    const wire = encodeAwsChunked(payload(100), { chunkSize: 60 });
    await expect(decode(Readable.from([wire.subarray(0, 80)]))).rejects.toMatchObject({ code: 'IncompleteBody', status: 400 });
  });

  test('a malformed chunk size is refused', async () => {
    await expect(decode(Readable.from([Buffer.from('zz\r\nabc\r\n0\r\n\r\n')]))).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  test('chunk data longer than its declared size is refused', async () => {
    await expect(decode(Readable.from([Buffer.from('2\r\nabc\r\n0\r\n\r\n')]))).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  test('recognises aws-chunked requests and strips the transfer encoding from the stored one', () => {
    expect(isAwsChunked({ 'content-encoding': 'aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(true);
    expect(isAwsChunked({ 'content-encoding': 'gzip', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false);
    expect(storedContentEncoding('aws-chunked')).toBeUndefined();
    expect(storedContentEncoding('aws-chunked,gzip')).toBe('gzip');
    expect(storedContentEncoding('gzip')).toBe('gzip');
  });
});
