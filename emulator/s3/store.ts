import type * as S3 from '@aws-sdk/client-s3';
import type { Tag } from './names';
import type { ChecksumAlgorithm } from './checksums';
import { SortedKeys } from './sorted-keys';

/**
 * The S3 data model: buckets, each with its keys in listing order and, per key, its versions newest first
 * (an unversioned bucket holds exactly one version, id `null`). Object bodies are immutable Buffers, so a
 * copy shares its source's bytes and a GET hands out a slice.
 */

export type VersioningStatus = 'Enabled' | 'Suspended';

/** Headers stored with an object and returned on GET/HEAD. */
export interface ObjectHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: Date;
  websiteRedirectLocation?: string;
}

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64; composite multipart checksums end in `-N`. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** An access control list as S3 reports it: the owner (an account) and its grants (SDK shape). */
export interface StoredAcl {
  ownerAccount: string;
  grants: S3.Grant[];
}

/** How an object version is encrypted at rest (what GET/HEAD report; nothing is actually encrypted). */
export interface ObjectEncryption {
  /** The x-amz-server-side-encryption value (AES256, aws:kms, aws:kms:dsse), or `SSE-C` (see sse-c.ts). */
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  /** SSE-C: base64 MD5 of the customer's key, which reads must match (the key itself is never kept). */
  customerKeyMd5?: string;
}

export interface RestoreState {
  ongoing: boolean;
  /** Epoch ms when the restored copy expires (set when the restore completes). */
  expiry?: number;
  days: number;
  tier: string;
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  isDeleteMarker: boolean;
  lastModified: number;
  /** Bytes of the object (empty for delete markers). */
  body: Buffer;
  /** Quoted ETag. */
  etag: string;
  metadata: Record<string, string>;
  headers: ObjectHeaders;
  tags: Tag[];
  storageClass: string;
  checksum?: StoredChecksum;
  /** Part sizes of a multipart object (GET ?partNumber=, PartsCount, GetObjectAttributes). */
  partSizes?: number[];
  /** Each part's checksum (base64), in part order, when the upload had a checksum algorithm (GetObjectAttributes). */
  partChecksums?: string[];
  restore?: RestoreState;
  ownerAccount: string;
  /** The object's ACL; absent means `private` (the owner has FULL_CONTROL). */
  acl?: StoredAcl;
  /** Absent on versions written before encryption was recorded: SSE-S3. */
  encryption?: ObjectEncryption;
  /** Object Lock retention of this version; absent when none was ever set (or it was removed). */
  retention?: ObjectRetention;
  /** Object Lock legal hold as last set; absent when never set (GetObjectLegalHold then answers 404). */
  legalHold?: LegalHoldStatus;
}

export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';
export type LegalHoldStatus = 'ON' | 'OFF';

export interface ObjectRetention {
  mode: RetentionMode;
  /** Retain-until date, epoch ms. */
  until: number;
}

/** Object Lock settings a write asks for (headers), kept by a multipart upload until it completes. */
export interface ObjectLockRequest {
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
}

export interface ObjectEntry {
  /** Newest first. */
  versions: ObjectVersion[];
}

export interface UploadPart {
  partNumber: number;
  body: Buffer;
  etag: string;
  lastModified: number;
  checksum?: string;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: number;
  metadata: Record<string, string>;
  headers: ObjectHeaders;
  tags: Tag[];
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  parts: Map<number, UploadPart>;
  ownerAccount: string;
  acl?: StoredAcl;
  encryption?: ObjectEncryption;
  /** Object Lock headers of CreateMultipartUpload, applied when the upload completes. */
  lock?: ObjectLockRequest;
}

/** The bucket configurations S3 keys by Id (stored and returned only; see bucket-configs.ts). */
export type IdConfigurationFamily = 'metrics' | 'analytics' | 'inventory' | 'intelligentTiering';

export interface Bucket {
  name: string;
  region: string;
  ownerAccount: string;
  created: number;
  versioning?: VersioningStatus;
  mfaDelete?: string;
  keys: SortedKeys;
  objects: Map<string, ObjectEntry>;
  uploads: Map<string, MultipartUpload>;
  tags?: Tag[];
  policy?: string;
  cors?: unknown;
  lifecycle?: unknown;
  /** The notification configuration as stored (SDK shape). */
  notification: Record<string, unknown>;
  /** Default encryption rules (SDK shape); SSE-S3 when unset, as every bucket has since January 2023. */
  encryption?: S3.ServerSideEncryptionRule[];
  /** `null` once deleted: new buckets block all public access (since April 2023). */
  publicAccessBlock: S3.PublicAccessBlockConfiguration | null;
  /** `null` once deleted (S3 then behaves as ObjectWriter): new buckets are BucketOwnerEnforced. */
  ownership: S3.ObjectOwnership | null;
  /** The bucket's ACL; absent means `private`. */
  acl?: StoredAcl;
  website?: S3.WebsiteConfiguration;
  logging?: S3.LoggingEnabled;
  accelerate?: S3.BucketAccelerateStatus;
  requestPayer: S3.Payer;
  replication?: S3.ReplicationConfiguration;
  /** Set when Object Lock is enabled (at creation, or later on a versioned bucket). */
  objectLock?: S3.ObjectLockConfiguration;
  /** Metrics, analytics, inventory and Intelligent-Tiering configurations, each family by Id (SDK shapes). */
  idConfigurations?: Partial<Record<IdConfigurationFamily, Map<string, unknown>>>;
}

export function newBucket(name: string, region: string, ownerAccount: string, created: number): Bucket {
  return {
    name,
    region,
    ownerAccount,
    created,
    keys: new SortedKeys(),
    objects: new Map(),
    uploads: new Map(),
    notification: {},
    publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    ownership: 'BucketOwnerEnforced',
    requestPayer: 'BucketOwner',
  };
}

/** The version GET/HEAD without a version id sees (may be a delete marker). */
export const latestVersion = (bucket: Bucket, key: string): ObjectVersion | undefined => bucket.objects.get(key)?.versions[0];

export function findVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
  return bucket.objects.get(key)?.versions.find((v) => v.versionId === versionId);
}

/**
 * Adds a new current version. In an unversioned or suspended bucket it replaces the `null` version
 * (wherever it sits in the history); in an enabled bucket it is added on top.
 */
export function putVersion(bucket: Bucket, version: ObjectVersion): void {
  let entry = bucket.objects.get(version.key);
  if (!entry) {
    entry = { versions: [] };
    bucket.objects.set(version.key, entry);
    bucket.keys.insert(version.key);
  }
  if (version.versionId === 'null') entry.versions = entry.versions.filter((v) => v.versionId !== 'null');
  entry.versions.unshift(version);
}

/** Removes one version; drops the key when nothing is left. Returns the removed version. */
export function removeVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
  const entry = bucket.objects.get(key);
  if (!entry) return undefined;
  const i = entry.versions.findIndex((v) => v.versionId === versionId);
  if (i < 0) return undefined;
  const [removed] = entry.versions.splice(i, 1);
  if (entry.versions.length === 0) {
    bucket.objects.delete(key);
    bucket.keys.delete(key);
  }
  return removed;
}

/** Whether the bucket holds anything (any version or delete marker) — DeleteBucket's BucketNotEmpty. */
export const bucketIsEmpty = (bucket: Bucket): boolean => bucket.objects.size === 0;
