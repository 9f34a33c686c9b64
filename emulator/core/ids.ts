import { randomBytes } from 'node:crypto';

/** Identifiers in the shapes AWS uses. Randomness goes through one function so scenarios can seed it. */

/**
 * The default source: crypto randomness drawn POOL_BYTES at a time. A call to the OS per id (three per request:
 * request id, host id, message id) cost more than the rest of the id. Slices of the pool never leave this
 * module (every id is turned into a string at once), and each refill is a new buffer, so no two ids share bytes.
 */
const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let poolOffset = 0;
const pooledRandomBytes = (n: number): Buffer => {
  if (n > POOL_BYTES / 4) return randomBytes(n);
  if (poolOffset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  return pool.subarray(poolOffset, (poolOffset += n));
};

let randomSource: (n: number) => Buffer = pooledRandomBytes;

/** Replaces the source of random bytes (a seeded PRNG in reproducible scenarios); called as before, once per id. */
export function setRandomSource(source: (n: number) => Buffer): void {
  randomSource = source;
}
export function resetRandomSource(): void {
  randomSource = pooledRandomBytes;
}

export const randomHex = (bytes: number): string => randomSource(bytes).toString('hex');

export function uuid(): string {
  const b = randomSource(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** S3-style request id: 16 upper-case hex characters. */
export const s3RequestId = (): string => randomHex(8).toUpperCase();
/** S3-style x-amz-id-2: base64 of random bytes. */
export const s3HostId = (): string => randomSource(48).toString('base64');

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return {
    partition: parts[1]!,
    service: parts[2]!,
    region: parts[3]!,
    accountId: parts[4]!,
    resource: parts.slice(5).join(':'),
  };
}

export const arn = (service: string, region: string, accountId: string, resource: string): string =>
  `arn:aws:${service}:${region}:${accountId}:${resource}`;
