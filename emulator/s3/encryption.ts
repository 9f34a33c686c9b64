import type * as S3 from '@aws-sdk/client-s3';
import { AwsError } from '../core/errors';
import { invalidArgument, malformedXml } from './errors';
import { assertSseCAllowed, customerKeyOf, isSseC, sseCEncryption, validCustomerKey } from './sse-c';
import type { Bucket, ObjectEncryption } from './store';

/**
 * Server-side encryption as S3 reports it: the bucket's default (Put/Get/DeleteBucketEncryption) and what each new
 * object records. Nothing is encrypted at rest; the algorithm, KMS key and bucket key are only stored and reported
 * (and for SSE-C, sse-c.ts, the key's MD5).
 */

const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
const isKms = (algorithm: string | undefined): boolean => algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse';

/**
 * A new bucket's default encryption: SSE-S3 without a bucket key (since January 2023), and SSE-C writes blocked
 * (since April 2026: an application that needs SSE-C unblocks it with PutBucketEncryption, BlockedEncryptionTypes
 * NONE). A PutBucketEncryption rule replaces the rest, but one that does not name BlockedEncryptionTypes keeps the
 * bucket's block (S3 reports it back unchanged: Terraform's perpetual diffs on blocked_encryption_types, 2026).
 */
const DEFAULT_ENCRYPTION_RULE: S3.ServerSideEncryptionRule = {
  ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
  BucketKeyEnabled: false,
  BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
};

export const encryptionRules = (bucket: Bucket): S3.ServerSideEncryptionRule[] => bucket.encryption ?? [DEFAULT_ENCRYPTION_RULE];

/** A KMS key as S3 reports it: a bare key id becomes the key's ARN in the bucket's region and account. */
const kmsKeyArn = (bucket: Bucket, id: string): string =>
  id.startsWith('arn:') || id.startsWith('alias/') ? id : `arn:aws:kms:${bucket.region}:${bucket.ownerAccount}:key/${id}`;

/** The encryption headers of a write (the SDK shapes' member names). */
export interface EncryptionInput {
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/** What almost every version records: one shared, frozen value rather than an object per version. */
const SSE_S3: ObjectEncryption = Object.freeze({ algorithm: 'AES256' });

/**
 * How a new object is encrypted: with the customer's key when the request sends one (SSE-C), else as the request
 * asks (x-amz-server-side-encryption, its KMS key and bucket key), else by the bucket's default. Nothing is
 * encrypted; this is what GET/HEAD and the write's answer report. A KMS object without a key id anywhere would use
 * the account's aws/s3 key, whose id is not reported. `write` names the object and the IAM action for the refusal
 * of a bucket that blocks SSE-C.
 */
export function encryptionForWrite(
  bucket: Bucket,
  input: EncryptionInput,
  write: { key: string; accountId: string; action: string },
): ObjectEncryption {
  // The bucket default never applies to an SSE-C object.
  const customerKeyMd5 = validCustomerKey(customerKeyOf(input), input.ServerSideEncryption);
  if (customerKeyMd5 !== undefined) {
    assertSseCAllowed(bucket, encryptionRules(bucket), write.key, write.accountId, write.action);
    return sseCEncryption(customerKeyMd5);
  }
  const rule = encryptionRules(bucket)[0]!;
  const byDefault = rule.ApplyServerSideEncryptionByDefault;
  const requested = input.ServerSideEncryption;
  if (requested !== undefined && !SSE_ALGORITHMS.has(requested)) {
    throw invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', requested);
  }
  if (input.SSEKMSKeyId !== undefined && !isKms(requested)) {
    throw invalidArgument(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id',
      input.SSEKMSKeyId,
    );
  }
  const algorithm = requested ?? byDefault?.SSEAlgorithm ?? 'AES256';
  if (!isKms(algorithm)) return algorithm === 'AES256' ? SSE_S3 : { algorithm };
  const sameAsDefault = isKms(byDefault?.SSEAlgorithm);
  const keyId = input.SSEKMSKeyId ?? (sameAsDefault ? byDefault?.KMSMasterKeyID : undefined);
  const bucketKey = input.BucketKeyEnabled ?? (sameAsDefault ? rule.BucketKeyEnabled : undefined);
  return {
    algorithm,
    ...(keyId ? { kmsKeyId: kmsKeyArn(bucket, keyId) } : {}),
    ...(bucketKey ? { bucketKeyEnabled: true } : {}),
  };
}

export interface EncryptionOutput {
  ServerSideEncryption?: S3.ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: string;
  SSECustomerKeyMD5?: string;
}

/**
 * The encryption members of a write's or read's answer (objects from before this was recorded are SSE-S3). An
 * SSE-C object answers with the algorithm and the key's MD5 and no x-amz-server-side-encryption.
 */
export function encryptionOutput(e: ObjectEncryption | undefined): EncryptionOutput {
  if (isSseC(e)) return { SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: e!.customerKeyMd5 };
  return {
    ServerSideEncryption: (e?.algorithm ?? 'AES256') as S3.ServerSideEncryption,
    ...(e?.kmsKeyId ? { SSEKMSKeyId: e.kmsKeyId } : {}),
    ...(e?.bucketKeyEnabled ? { BucketKeyEnabled: true } : {}),
  };
}

/** A PutBucketEncryption rule checked as S3 checks it, with BucketKeyEnabled filled in. */
export function validEncryptionRule(rule: S3.ServerSideEncryptionRule): S3.ServerSideEncryptionRule {
  const byDefault = rule.ApplyServerSideEncryptionByDefault;
  const blocked = rule.BlockedEncryptionTypes;
  if (!byDefault && !blocked) throw malformedXml();
  if (byDefault && !SSE_ALGORITHMS.has(byDefault.SSEAlgorithm ?? '')) throw malformedXml();
  if (byDefault?.KMSMasterKeyID !== undefined && !isKms(byDefault.SSEAlgorithm)) {
    throw new AwsError('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 400, {
      ArgumentName: 'ApplyServerSideEncryptionByDefault',
    });
  }
  if (blocked && !(blocked.EncryptionType ?? []).every((t) => t === 'NONE' || t === 'SSE-C')) throw malformedXml();
  return {
    ApplyServerSideEncryptionByDefault: byDefault
      ? { SSEAlgorithm: byDefault.SSEAlgorithm, ...(byDefault.KMSMasterKeyID !== undefined ? { KMSMasterKeyID: byDefault.KMSMasterKeyID } : {}) }
      : { SSEAlgorithm: 'AES256' },
    BucketKeyEnabled: rule.BucketKeyEnabled ?? false,
    ...(blocked ? { BlockedEncryptionTypes: { EncryptionType: [...(blocked.EncryptionType ?? [])] } } : {}),
  };
}
