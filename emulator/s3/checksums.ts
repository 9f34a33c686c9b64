import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { Xxh3_128, Xxh3_64, Xxh64 } from '@aws-sdk/checksums/xxh';
import { AwsError } from '../core/errors';

/**
 * S3's flexible checksums (x-amz-checksum-*), computed incrementally so a body is hashed as it streams in.
 * The CRC/xxHash implementations are the SDK's own, so the emulator agrees with the client bit for bit.
 */

export const CHECKSUM_ALGORITHMS = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
  'SHA512',
  'MD5',
  'XXHASH64',
  'XXHASH3',
  'XXHASH128',
] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const checksumHeaderName = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;
/** The SDK member carrying this checksum, e.g. `ChecksumCRC32`. */
export const checksumMember = (algorithm: ChecksumAlgorithm): `Checksum${ChecksumAlgorithm}` => `Checksum${algorithm}`;

export function parseChecksumAlgorithm(text: string | undefined): ChecksumAlgorithm | undefined {
  if (text === undefined || text === '') return undefined;
  const upper = text.toUpperCase().replace(/^X-AMZ-CHECKSUM-/, '');
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)) return upper as ChecksumAlgorithm;
  throw new AwsError('InvalidRequest', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]`, 400);
}

export interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): Promise<Buffer>;
}

/** The digest length in bytes, to reject checksum values of the wrong size. */
const DIGEST_LENGTH: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  SHA512: 64,
  MD5: 16,
  XXHASH64: 8,
  XXHASH3: 8,
  XXHASH128: 16,
};

class Crc32Hasher implements Hasher {
  private value = 0;
  update(chunk: Uint8Array): void {
    this.value = zlib.crc32(chunk, this.value);
  }
  async digest(): Promise<Buffer> {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

class NodeHasher implements Hasher {
  private readonly hash;
  constructor(name: string) {
    this.hash = createHash(name);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  async digest(): Promise<Buffer> {
    return this.hash.digest();
  }
}

class SdkHasher implements Hasher {
  constructor(private readonly impl: { update(c: Uint8Array): void; digest(): Promise<Uint8Array> }) {}
  update(chunk: Uint8Array): void {
    this.impl.update(chunk);
  }
  async digest(): Promise<Buffer> {
    return Buffer.from(await this.impl.digest());
  }
}

export function createHasher(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Hasher();
    case 'CRC32C':
      return new SdkHasher(new Crc32c());
    case 'CRC64NVME':
      return new SdkHasher(new Crc64Nvme());
    case 'SHA1':
      return new NodeHasher('sha1');
    case 'SHA256':
      return new NodeHasher('sha256');
    case 'SHA512':
      return new NodeHasher('sha512');
    case 'MD5':
      return new NodeHasher('md5');
    case 'XXHASH64':
      return new SdkHasher(new Xxh64());
    case 'XXHASH3':
      return new SdkHasher(new Xxh3_64());
    case 'XXHASH128':
      return new SdkHasher(new Xxh3_128());
  }
}

/** One-shot checksum of a buffer, base64 (the form S3 puts in headers). */
export async function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): Promise<string> {
  const h = createHasher(algorithm);
  h.update(data);
  return (await h.digest()).toString('base64');
}

/**
 * The checksum S3 gives an object written without one (PutObject, POST, CopyObject; AWS's default data integrity
 * protections since December 2024): CRC64NVME of the whole object. It is returned like one the client sent.
 */
export async function defaultChecksum(body: Uint8Array): Promise<{ algorithm: ChecksumAlgorithm; value: string; type: 'FULL_OBJECT' }> {
  return { algorithm: 'CRC64NVME', value: await checksumOf('CRC64NVME', body), type: 'FULL_OBJECT' };
}

/** Rejects a checksum value that is not base64 of the right length (S3 answers InvalidRequest). */
export function assertChecksumValue(algorithm: ChecksumAlgorithm, value: string): void {
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && Buffer.from(value, 'base64').length === DIGEST_LENGTH[algorithm];
  if (!ok) throw new AwsError('InvalidRequest', `Value for ${checksumHeaderName(algorithm)} header is invalid.`, 400);
}

export function checksumMismatch(algorithm: ChecksumAlgorithm): AwsError {
  return new AwsError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);
}

/** Content-MD5: base64 of 16 bytes; a malformed value is InvalidDigest, a wrong one BadDigest. */
export function verifyContentMd5(contentMd5: string, actualMd5: Buffer): void {
  const given = Buffer.from(contentMd5, 'base64');
  if (given.length !== 16 || !/^[A-Za-z0-9+/]*={0,2}$/.test(contentMd5)) {
    throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': contentMd5 });
  }
  if (!given.equals(actualMd5)) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, {
      ExpectedDigest: contentMd5,
      CalculatedDigest: actualMd5.toString('base64'),
    });
  }
}

/**
 * A multipart upload's COMPOSITE checksum: the checksum of the parts' raw checksums concatenated, then `-N`.
 * (FULL_OBJECT checksums are computed over the assembled object instead.)
 */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): Promise<string> {
  const h = createHasher(algorithm);
  for (const c of partChecksums) h.update(Buffer.from(c, 'base64'));
  return `${(await h.digest()).toString('base64')}-${partChecksums.length}`;
}

/** CRC-family algorithms may be FULL_OBJECT for multipart uploads; SHA ones are COMPOSITE only. */
export const supportsFullObject = (algorithm: ChecksumAlgorithm): boolean =>
  algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
