import { StorageClass } from '@aws-sdk/client-s3';
import { AwsError } from '../core/errors';

/**
 * S3's naming and size rules: bucket names, keys, user metadata, tags. Each check throws the AwsError S3
 * answers with, so callers just call them in order.
 */

const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** General-purpose bucket naming rules (S3 User Guide, "General purpose bucket naming rules"). */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'length must be between 3 and 63 characters';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'only lowercase letters, numbers, dots and hyphens are allowed';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or number';
  if (name.includes('..')) return 'must not contain two adjacent periods';
  // DNS-compliant names: each period-separated label begins and ends with a letter or number ("a.-b", "a-.b"
  // are refused; S3 Developer Guide "Bucket restrictions and limitations", the label rule of the naming rules).
  if (name.includes('.-') || name.includes('-.')) return 'each label must begin and end with a letter or number';
  if (IP_ADDRESS.test(name)) return 'must not be formatted as an IP address';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'uses a reserved prefix';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'uses a reserved suffix';
  return undefined;
}

export function assertBucketName(name: string | undefined): asserts name is string {
  if (name === undefined || bucketNameProblem(name)) {
    throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name ?? '' });
  }
}

export const MAX_KEY_BYTES = 1024;

export function assertKey(key: string | undefined): asserts key is string {
  if (key === undefined || key === '') {
    throw new AwsError('InvalidArgument', 'A key must be specified', 400, { ArgumentName: 'key' });
  }
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: String(MAX_KEY_BYTES), Size: String(size) });
  }
}

/** User-defined metadata (x-amz-meta-*): names and values together, UTF-8, at most 2 KB. */
export const MAX_METADATA_BYTES = 2048;

export function normalizeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [k, v] of Object.entries(metadata ?? {})) {
    const name = k.toLowerCase();
    out[name] = String(v);
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(String(v), 'utf8');
  }
  if (size > MAX_METADATA_BYTES) {
    throw new AwsError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', 400, {
      Size: String(size),
      MaxSizeAllowed: String(MAX_METADATA_BYTES),
    });
  }
  return out;
}

export interface Tag {
  Key: string;
  Value: string;
}

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;

/** Validates a tag set as S3 does for PutObjectTagging / x-amz-tagging / PutBucketTagging. */
export function validateTags(tags: Tag[], max: number, what: 'Object' | 'Bucket'): Tag[] {
  if (tags.length > max) {
    throw new AwsError(what === 'Object' ? 'BadRequest' : 'InvalidTag', `${what} tags cannot be greater than ${max}`, 400);
  }
  const seen = new Set<string>();
  for (const { Key, Value } of tags) {
    if (Key === undefined || Key === null || Key === '') throw new AwsError('InvalidTag', 'The TagKey you have provided is invalid', 400);
    if ([...Key].length > 128) throw new AwsError('InvalidTag', 'The TagKey you have provided is too long, max 128', 400, { TagKey: Key });
    if ([...(Value ?? '')].length > 256) throw new AwsError('InvalidTag', 'The TagValue you have provided is too long, max 256', 400, { TagKey: Key });
    if (Key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidTag', 'Your TagKey cannot be prefixed with aws:', 400, { TagKey: Key });
    if (seen.has(Key)) throw new AwsError('InvalidTag', 'Cannot provide multiple Tags with the same key', 400, { TagKey: Key });
    seen.add(Key);
  }
  return tags.map(({ Key, Value }) => ({ Key, Value: Value ?? '' }));
}

/** The x-amz-tagging header: URL query encoded `k1=v1&k2=v2`. */
export function parseTaggingHeader(header: string | undefined): Tag[] {
  if (header === undefined || header === '') return [];
  const tags: Tag[] = [];
  for (const [Key, Value] of new URLSearchParams(header)) tags.push({ Key, Value });
  return validateTags(tags, MAX_OBJECT_TAGS, 'Object');
}

/** URL-encoding as S3 uses it for `EncodingType=url` listings: space → `+`, `/` kept. */
export function listingUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

const STORAGE_CLASSES = new Set<string>(Object.values(StorageClass));

/** The storage class of a write: STANDARD by default, one of the API's classes otherwise. */
export function storageClassOf(value: string | undefined): string {
  if (value === undefined || value === '') return 'STANDARD';
  if (!STORAGE_CLASSES.has(value)) throw new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: value });
  return value;
}
