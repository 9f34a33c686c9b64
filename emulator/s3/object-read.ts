import { AwsError } from '../core/errors';
import { checksumMember } from './checksums';
import { encryptionOutput } from './encryption';
import { deleteMarkerNotAllowed, invalidObjectState, invalidRange, noSuchKey, noSuchVersion, notModified, preconditionFailed } from './errors';
import { assertKey } from './names';
import { etagMatches, getBucket, shownVersionId, type S3State } from './state';
import { findVersion, latestVersion, type Bucket, type ObjectVersion } from './store';

/**
 * What GET and HEAD share: finding the version to read, conditional requests, ranges and part numbers,
 * and the response headers an object carries.
 */

const httpDate = (ms: number): string => new Date(ms).toUTCString();

/** The version a GET/HEAD (or copy source) reads; delete markers answer as S3 does. */
export function versionForRead(bucket: Bucket, key: string, versionId: string | undefined, method: string): ObjectVersion {
  if (versionId !== undefined && versionId !== '') {
    const v = findVersion(bucket, key, versionId);
    if (!v) throw noSuchVersion(key, versionId);
    if (v.isDeleteMarker) {
      throw deleteMarkerNotAllowed(method, {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': v.versionId,
        'last-modified': httpDate(v.lastModified),
        allow: 'DELETE',
      });
    }
    return v;
  }
  const v = latestVersion(bucket, key);
  if (!v) throw noSuchKey(key);
  if (v.isDeleteMarker) {
    const headers: Record<string, string> = { 'x-amz-delete-marker': 'true' };
    if (bucket.versioning) headers['x-amz-version-id'] = v.versionId;
    throw noSuchKey(key, headers);
  }
  return v;
}

/** The bucket and version a sub-resource request on an object (?tagging, ?acl, ?retention…) names. */
export function versionTarget(state: S3State, input: { Bucket?: string; Key?: string; VersionId?: string }, method: string): { bucket: Bucket; version: ObjectVersion } {
  const bucket = getBucket(state, input.Bucket);
  assertKey(input.Key);
  return { bucket, version: versionForRead(bucket, input.Key, input.VersionId, method) };
}

export interface Conditions {
  IfMatch?: string;
  IfNoneMatch?: string;
  IfModifiedSince?: Date;
  IfUnmodifiedSince?: Date;
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000) * 1000;

/**
 * RFC 7232 precedence as S3 applies it: If-Match beats If-Unmodified-Since (412), If-None-Match beats
 * If-Modified-Since (304 for GET/HEAD).
 */
export function checkReadConditions(v: ObjectVersion, c: Conditions): void {
  if (c.IfMatch !== undefined) {
    if (!etagMatches(c.IfMatch, v.etag)) throw preconditionFailed('If-Match');
  } else if (c.IfUnmodifiedSince !== undefined && v.lastModified > seconds(c.IfUnmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  // The 304's headers only when it is answered (formatting the date on every read showed in profiles).
  if (c.IfNoneMatch !== undefined) {
    if (etagMatches(c.IfNoneMatch, v.etag)) throw notModified(notModifiedHeaders(v));
  } else if (c.IfModifiedSince !== undefined && v.lastModified <= seconds(c.IfModifiedSince)) {
    throw notModified(notModifiedHeaders(v));
  }
}

const notModifiedHeaders = (v: ObjectVersion) => ({ etag: v.etag, 'last-modified': httpDate(v.lastModified) });

/** The same conditions on a copy source: every failure is a 412. */
export function checkCopySourceConditions(v: ObjectVersion, c: Conditions): void {
  if (c.IfMatch !== undefined) {
    if (!etagMatches(c.IfMatch, v.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  } else if (c.IfUnmodifiedSince !== undefined && v.lastModified > seconds(c.IfUnmodifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (c.IfNoneMatch !== undefined) {
    if (etagMatches(c.IfNoneMatch, v.etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (c.IfModifiedSince !== undefined && v.lastModified <= seconds(c.IfModifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

/**
 * A `Range: bytes=…` header against an object of `size` bytes: the inclusive byte span, undefined when the
 * header is malformed or a multi-range (S3 then serves the whole object), InvalidRange when unsatisfiable.
 */
export function parseRange(range: string | undefined, size: number): { start: number; end: number } | undefined {
  if (range === undefined) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(range);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw invalidRange(range, size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) throw invalidRange(range, size);
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  return { start, end: Math.min(last, size - 1) };
}

/** `?partNumber=N`: the byte span of that part of a multipart object (a simple object is one part). */
export function partSpan(v: ObjectVersion, partNumber: number): { start: number; end: number; count: number } {
  const sizes = v.partSizes ?? [v.body.length];
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, {
      ArgumentName: 'partNumber',
      ArgumentValue: String(partNumber),
    });
  }
  if (partNumber > sizes.length) {
    throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, {
      PartNumberRequested: String(partNumber),
      ActualPartCount: String(sizes.length),
    });
  }
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += sizes[i]!;
  return { start, end: start + sizes[partNumber - 1]! - 1, count: sizes.length };
}

/** Archived objects cannot be read until restored. */
export function assertReadable(v: ObjectVersion): void {
  const archived = v.storageClass === 'GLACIER' || v.storageClass === 'DEEP_ARCHIVE';
  if (archived && !(v.restore && !v.restore.ongoing)) throw invalidObjectState(v.storageClass);
}

/** The x-amz-restore header value. */
export function restoreHeader(v: ObjectVersion): string | undefined {
  if (!v.restore) return undefined;
  if (v.restore.ongoing) return 'ongoing-request="true"';
  return `ongoing-request="false", expiry-date="${httpDate(v.restore.expiry ?? 0)}"`;
}

export interface ResponseOverrides {
  ResponseCacheControl?: string;
  ResponseContentDisposition?: string;
  ResponseContentEncoding?: string;
  ResponseContentLanguage?: string;
  ResponseContentType?: string;
  ResponseExpires?: Date;
}

/** The output members GET and HEAD share. */
export function objectOutput(
  bucket: Bucket,
  v: ObjectVersion,
  opts: { checksumMode?: string; overrides?: ResponseOverrides; fullObject: boolean },
): Record<string, unknown> {
  const h = v.headers;
  const o = opts.overrides ?? {};
  // Only defined members are added (deleting the undefined ones afterwards left a slow dictionary-mode
  // object that every later read of the output paid for).
  const out: Record<string, unknown> = {};
  put(out, 'AcceptRanges', 'bytes');
  put(out, 'LastModified', new Date(v.lastModified));
  put(out, 'ContentLength', v.body.length);
  put(out, 'ETag', v.etag);
  put(out, 'VersionId', shownVersionId(bucket, v));
  put(out, 'ContentType', o.ResponseContentType ?? h.contentType ?? 'binary/octet-stream');
  put(out, 'ContentEncoding', o.ResponseContentEncoding ?? h.contentEncoding);
  put(out, 'ContentDisposition', o.ResponseContentDisposition ?? h.contentDisposition);
  put(out, 'ContentLanguage', o.ResponseContentLanguage ?? h.contentLanguage);
  put(out, 'CacheControl', o.ResponseCacheControl ?? h.cacheControl);
  put(out, 'Expires', o.ResponseExpires ?? h.expires);
  put(out, 'WebsiteRedirectLocation', h.websiteRedirectLocation);
  for (const [k, value] of Object.entries(encryptionOutput(v.encryption))) put(out, k, value);
  put(out, 'Metadata', { ...v.metadata });
  put(out, 'StorageClass', v.storageClass === 'STANDARD' ? undefined : v.storageClass);
  put(out, 'TagCount', v.tags.length ? v.tags.length : undefined);
  put(out, 'Restore', restoreHeader(v));
  put(out, 'ObjectLockMode', v.retention?.mode);
  put(out, 'ObjectLockRetainUntilDate', v.retention && new Date(v.retention.until));
  put(out, 'ObjectLockLegalHoldStatus', v.legalHold);
  // Checksums only when asked for, and only for whole-object reads (a range has no stored checksum).
  if (opts.checksumMode === 'ENABLED' && v.checksum && opts.fullObject) {
    put(out, checksumMember(v.checksum.algorithm), v.checksum.value);
    put(out, 'ChecksumType', v.checksum.type);
  }
  return out;
}

/** Sets `key` when `value` is defined. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}
