import type * as S3 from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { AwsError } from '../core/errors';
import { randomHex } from '../core/ids';
import type { Bucket, ObjectEncryption } from './store';

/**
 * SSE-C: encryption with a key the client sends in every request (x-amz-server-side-encryption-customer-algorithm,
 * -key and -key-MD5; x-amz-copy-source-… for a copy's source). Nothing is encrypted, as for the other modes: a
 * write checks the three headers as S3 does and records only the key's MD5 (S3 keeps a salted HMAC of the key and
 * never the key), and every later read of the object must bring the same key.
 *
 * S3 refuses SSE-C over plain HTTP. The emulator serves plain HTTP only, so it accepts it there, as LocalStack does.
 */

/** The encryption record's algorithm for an SSE-C object (the name S3 Inventory uses for this mode). */
export const SSE_C = 'SSE-C';

export interface CustomerKeyHeaders {
  algorithm?: string;
  /** base64 of the key; only ever checked, never kept. */
  key?: string;
  keyMd5?: string;
}

export const customerKeyOf = (input: { SSECustomerAlgorithm?: string; SSECustomerKey?: string; SSECustomerKeyMD5?: string }): CustomerKeyHeaders => ({
  algorithm: input.SSECustomerAlgorithm,
  key: input.SSECustomerKey,
  keyMd5: input.SSECustomerKeyMD5,
});

export const copySourceKeyOf = (input: {
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
  CopySourceSSECustomerKeyMD5?: string;
}): CustomerKeyHeaders => ({
  algorithm: input.CopySourceSSECustomerAlgorithm,
  key: input.CopySourceSSECustomerKey,
  keyMd5: input.CopySourceSSECustomerKeyMD5,
});

/** Whether a request sends any of the three headers. */
export const sendsCustomerKey = (h: CustomerKeyHeaders): boolean => h.algorithm !== undefined || h.key !== undefined || h.keyMd5 !== undefined;

export const isSseC = (e: ObjectEncryption | undefined): boolean => e?.algorithm === SSE_C;

/** S3 names `x-amz-server-side-encryption` in every SSE-C argument error, whichever header is at fault. */
const sseArgument = (message: string, value = 'null'): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: value });

/**
 * The key MD5 of a request's SSE-C headers, checked in S3's order (undefined when none is sent): not with
 * x-amz-server-side-encryption, an algorithm and a key both present, the algorithm AES256, the MD5 matching the
 * key (checked before the key's length: S3 answers an MD5 mismatch for a 24-byte key), a 256-bit key. A missing
 * MD5 header is a mismatch.
 */
export function validCustomerKey(h: CustomerKeyHeaders, serverSideEncryption?: string): string | undefined {
  if (!sendsCustomerKey(h)) return undefined;
  if (serverSideEncryption !== undefined) {
    throw sseArgument('Server Side Encryption with Customer provided key is incompatible with the encryption method specified', serverSideEncryption);
  }
  if (h.algorithm === undefined) throw sseArgument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
  if (h.key === undefined) throw sseArgument('Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.');
  if (h.algorithm !== 'AES256') {
    throw new AwsError('InvalidEncryptionAlgorithmError', 'The Encryption request you specified is not valid. Supported value: AES256.', 400, {
      ArgumentName: 'x-amz-server-side-encryption',
      ArgumentValue: h.algorithm,
    });
  }
  const key = Buffer.from(h.key, 'base64');
  const md5 = createHash('md5').update(key).digest('base64');
  if (h.keyMd5 !== md5) throw sseArgument('The calculated MD5 hash of the key did not match the hash that was provided.');
  if (key.length !== 32) throw sseArgument('The secret key was invalid for the specified algorithm.');
  return md5;
}

/** The encryption record of an SSE-C write: the algorithm and the key's MD5, nothing that would give the key. */
export const sseCEncryption = (keyMd5: string): ObjectEncryption => ({ algorithm: SSE_C, customerKeyMd5: keyMd5 });

/**
 * A read (GET, HEAD, GetObjectAttributes, a copy's source) of a version: an SSE-C object needs its key (a request
 * without the key MD5 is told so; the MD5 is then compared with the stored one before anything else is checked,
 * so a wrong key of any shape is a 403), any other object refuses SSE-C headers.
 */
export function assertCustomerKeyFor(stored: ObjectEncryption | undefined, h: CustomerKeyHeaders): void {
  if (!isSseC(stored)) {
    if (sendsCustomerKey(h)) throw new AwsError('InvalidRequest', 'The encryption parameters are not applicable to this object.', 400);
    return;
  }
  if (h.keyMd5 === undefined) {
    throw new AwsError('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.', 400);
  }
  if (h.keyMd5 !== stored!.customerKeyMd5) {
    throw new AwsError('AccessDenied', 'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.', 403);
  }
  validCustomerKey(h);
}

/** UploadPart / UploadPartCopy: the same key as CreateMultipartUpload, or none for none. */
export function assertPartKey(upload: ObjectEncryption | undefined, h: CustomerKeyHeaders): void {
  const sent = sendsCustomerKey(h);
  if (isSseC(upload) !== sent) {
    throw new AwsError(
      'InvalidRequest',
      'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
      400,
    );
  }
  if (sent && validCustomerKey(h) !== upload!.customerKeyMd5) {
    throw new AwsError('InvalidRequest', 'The provided encryption parameters did not match the ones used originally.', 400);
  }
}

/**
 * CompleteMultipartUpload of an SSE-C upload: S3 needs no key (LocalStack's AWS recordings) unless the upload was
 * created with a checksum algorithm (its docs require the key then: the part checksums are kept encrypted); a key
 * sent must be the upload's.
 */
export function assertCompleteKey(upload: ObjectEncryption | undefined, h: CustomerKeyHeaders, checksummed: boolean): void {
  if (!isSseC(upload)) return;
  if (sendsCustomerKey(h)) assertPartKey(upload, h);
  else if (checksummed) throw sseArgument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
}

/**
 * A bucket whose default encryption blocks SSE-C (BlockedEncryptionTypes) refuses SSE-C writes with a 403 naming
 * the caller (the account's root: the emulator has no IAM users in S3), the action and the object.
 */
export function assertSseCAllowed(bucket: Bucket, rules: S3.ServerSideEncryptionRule[], key: string, accountId: string, action: string): void {
  const blocked = rules.some((r) => r.BlockedEncryptionTypes?.EncryptionType?.includes('SSE-C'));
  if (!blocked) return;
  throw new AwsError(
    'AccessDenied',
    `User: arn:aws:iam::${accountId}:root is not authorized to perform: ${action} on resource: "arn:aws:s3:::${bucket.name}/${key}" ` +
      'because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). ' +
      'Please specify a different server-side encryption type',
    403,
  );
}

/**
 * An SSE-C object's (or part's) ETag: S3's is not the MD5 of the body, and two uploads of the same bytes with the
 * same key get different ones. A random one, fixed for the version (seeded with the emulator's other ids).
 */
export const sseCEtag = (): string => `"${randomHex(16)}"`;
