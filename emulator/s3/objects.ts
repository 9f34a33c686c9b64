import { createHash } from 'node:crypto';
import type * as S3 from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { readPostForm } from './post-object';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';
import { objectAclForWrite } from './acl';
import { readUploadBody } from './body';
import { checksumMember, checksumOf, defaultChecksum, parseChecksumAlgorithm } from './checksums';
import { storedContentEncoding } from './chunked';
import { encryptionForWrite, encryptionOutput } from './encryption';
import { assertCustomerKeyFor, copySourceKeyOf, customerKeyOf, isSseC, sseCEtag } from './sse-c';
import { malformedXml, noSuchKey, preconditionFailed } from './errors';
import { assertBypassApplicable, assertLockedPutHasIntegrity, assertVersionDeletable, lockForNewVersion, lockRequestOf } from './object-lock';
import { assertKey, storageClassOf, normalizeMetadata, parseTaggingHeader } from './names';
import {
  assertReadable,
  checkCopySourceConditions,
  checkReadConditions,
  objectOutput,
  parseRange,
  partSpan,
  versionForRead,
} from './object-read';
import { etagMatches, getBucket, newDeleteMarker, nowSeconds, shownVersionId, writeVersionId, type Out, type S3State } from './state';
import { findVersion, latestVersion, putVersion, removeVersion, type Bucket, type ObjectHeaders, type ObjectVersion, type StoredChecksum } from './store';

/** Object reads and writes: PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject. */

export interface HeaderInput {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
  WebsiteRedirectLocation?: string;
}

export const headersFromInput = (input: HeaderInput): ObjectHeaders => ({
  contentType: input.ContentType,
  contentEncoding: storedContentEncoding(input.ContentEncoding),
  contentDisposition: input.ContentDisposition,
  contentLanguage: input.ContentLanguage,
  cacheControl: input.CacheControl,
  expires: input.Expires,
  websiteRedirectLocation: input.WebsiteRedirectLocation,
});

/** Conditional writes (If-None-Match: * / If-Match) against the key's current object. */
export function checkWriteConditions(bucket: Bucket, key: string, ifMatch: string | undefined, ifNoneMatch: string | undefined): void {
  const current = latestVersion(bucket, key);
  const live = current && !current.isDeleteMarker ? current : undefined;
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'If-None-Match' });
    if (live) throw preconditionFailed('If-None-Match');
  }
  if (ifMatch !== undefined) {
    if (!live) throw noSuchKey(key);
    if (!etagMatches(ifMatch, live.etag)) throw preconditionFailed('If-Match');
  }
}

export const checksumOutput = (c: StoredChecksum | undefined): Record<string, string> =>
  c ? { [checksumMember(c.algorithm)]: c.value, ChecksumType: c.type } : {};

export const md5Etag = (md5: Buffer): string => `"${md5.toString('hex')}"`;

/** Parses `x-amz-copy-source`: `bucket/key[?versionId=…]`, URL-encoded, optionally with a leading slash. */
export function parseCopySource(source: string | undefined): { bucket: string; key: string; versionId?: string } {
  if (!source) throw new AwsError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 400, { ArgumentName: 'x-amz-copy-source' });
  const [pathPart, query] = source.replace(/^\//, '').split('?', 2) as [string, string | undefined];
  let path = pathPart;
  try {
    path = decodeURIComponent(pathPart);
  } catch {
    // not encoded
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new AwsError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 400, {
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: source,
    });
  }
  const versionId = query ? (new URLSearchParams(query).get('versionId') ?? undefined) : undefined;
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1), versionId };
}

export function objectOperations(state: S3State) {
  const { notifier } = state;

  /** One key's deletion, shared by DeleteObject and DeleteObjects. */
  function deleteOne(bucket: Bucket, key: string, versionId: string | undefined, ctx: RequestContext, bypassGovernance = false) {
    assertKey(key);
    if (versionId !== undefined && versionId !== '') {
      // Only a permanent delete meets Object Lock; a delete marker on top of a locked version is allowed.
      const target = findVersion(bucket, key, versionId);
      if (target) assertVersionDeletable(target, bypassGovernance, state.deps.clock.now());
      const removed = removeVersion(bucket, key, versionId);
      if (removed) {
        notifier.emit({ bucket, eventName: 'ObjectRemoved:Delete', key, versionId, ctx, deletionType: 'Permanently Deleted' });
      }
      return { VersionId: versionId, DeleteMarker: removed?.isDeleteMarker ? true : undefined };
    }
    if (bucket.versioning) {
      const marker = newDeleteMarker(bucket, key, nowSeconds(state), ctx.accountId);
      putVersion(bucket, marker);
      notifier.emit({ bucket, eventName: 'ObjectRemoved:DeleteMarkerCreated', key, versionId: marker.versionId, ctx, deletionType: 'Delete Marker Created' });
      return { DeleteMarker: true, VersionId: marker.versionId };
    }
    const removed = removeVersion(bucket, key, 'null');
    if (removed) notifier.emit({ bucket, eventName: 'ObjectRemoved:Delete', key, versionId: 'null', ctx, deletionType: 'Permanently Deleted' });
    return {};
  }

  /** PutObject, and POST Object (which differs only in its event name and how the body arrives). */
  async function storeObject(
    input: S3.PutObjectCommandInput,
    ctx: RequestContext,
    via: { eventName: string; reason: string; headers: RequestContext['headers'] } = { eventName: 'ObjectCreated:Put', reason: 'PutObject', headers: ctx.headers },
  ): Promise<Out<S3.PutObjectCommandOutput>> {
      const target = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const key = input.Key;
      // ACL and encryption are checked before the body is read, as S3 refuses them before the upload.
      const acl = objectAclForWrite(target, input, ctx.accountId);
      const encryption = encryptionForWrite(target, input, { key, accountId: ctx.accountId, action: 's3:PutObject' });
      const lock = lockRequestOf(target, input, state.deps.clock.now());
      if (via.reason === 'PutObject') assertLockedPutHasIntegrity(target, input, via.headers);
      const metadata = normalizeMetadata(input.Metadata);
      const tags = parseTaggingHeader(input.Tagging);
      const storageClass = storageClassOf(input.StorageClass);
      const received = await readUploadBody(input.Body, { headers: via.headers, input: input as unknown as Record<string, unknown> });
      // The bucket may have gone while the body streamed in.
      const bucket = getBucket(state, input.Bucket);
      checkWriteConditions(bucket, key, input.IfMatch, input.IfNoneMatch);
      const version: ObjectVersion = {
        key,
        versionId: writeVersionId(bucket),
        isDeleteMarker: false,
        lastModified: nowSeconds(state),
        body: received.data,
        etag: isSseC(encryption) ? sseCEtag() : md5Etag(received.md5),
        metadata,
        headers: headersFromInput(input),
        tags,
        storageClass,
        checksum: received.checksum ? { ...received.checksum, type: 'FULL_OBJECT' } : await defaultChecksum(received.data),
        ownerAccount: ctx.accountId,
        ...(acl ? { acl } : {}),
        encryption,
        ...lockForNewVersion(bucket, lock, state.deps.clock.now()),
      };
      putVersion(bucket, version);
      notifier.emit({ bucket, eventName: via.eventName, key, size: version.body.length, etag: version.etag, versionId: version.versionId, ctx, reason: via.reason });
      return {
        ETag: version.etag,
        VersionId: shownVersionId(bucket, version),
        ...encryptionOutput(encryption),
        ...checksumOutput(version.checksum),
      } as Out<S3.PutObjectCommandOutput>;
  }

  return {
    PutObject: (input: S3.PutObjectCommandInput, ctx: RequestContext) => storeObject(input, ctx),

    /** POST Object: a form upload (the codec routes multipart/form-data posts to a bucket here). */
    async PostObject(input: { Bucket: string; Body: Readable; ContentType: string }, ctx: RequestContext) {
      getBucket(state, input.Bucket);
      const form = await readPostForm(input.Body, input.ContentType);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(form.fields)) if (k.startsWith('x-amz-meta-')) metadata[k.slice('x-amz-meta-'.length)] = v;
      const out = await storeObject(
        {
          Bucket: input.Bucket,
          Key: form.key,
          Body: form.file,
          ContentType: form.fields['content-type'],
          Metadata: metadata,
          ServerSideEncryption: form.fields['x-amz-server-side-encryption'] as S3.ServerSideEncryption | undefined,
          SSECustomerAlgorithm: form.fields['x-amz-server-side-encryption-customer-algorithm'],
          SSECustomerKey: form.fields['x-amz-server-side-encryption-customer-key'],
          SSECustomerKeyMD5: form.fields['x-amz-server-side-encryption-customer-key-md5'],
        },
        ctx,
        { eventName: 'ObjectCreated:Post', reason: 'POST Object', headers: {} },
      );
      const status = Number(form.fields.success_action_status ?? 204);
      return { ...out, Bucket: input.Bucket, Key: form.key, Location: `${ctx.endpoint}/${input.Bucket}/${encodeURI(form.key)}`, Status: [200, 201, 204].includes(status) ? status : 204 };
    },

    async GetObject(input: S3.GetObjectCommandInput, ctx: RequestContext): Promise<Out<S3.GetObjectCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const v = versionForRead(bucket, input.Key, input.VersionId, 'GET');
      assertCustomerKeyFor(v.encryption, customerKeyOf(input));
      checkReadConditions(v, input);
      assertReadable(v);
      return readBody(bucket, v, input, ctx, true);
    },

    async HeadObject(input: S3.HeadObjectCommandInput, ctx: RequestContext): Promise<Out<S3.HeadObjectCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const v = versionForRead(bucket, input.Key, input.VersionId, 'HEAD');
      assertCustomerKeyFor(v.encryption, customerKeyOf(input));
      checkReadConditions(v, input);
      const out = readBody(bucket, v, input, ctx, false);
      delete (out as Record<string, unknown>).Body;
      return out;
    },

    async DeleteObject(input: S3.DeleteObjectCommandInput, ctx: RequestContext): Promise<Out<S3.DeleteObjectCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      assertBypassApplicable(bucket, input.BypassGovernanceRetention);
      if (input.IfMatch !== undefined && !input.VersionId) checkWriteConditions(bucket, input.Key, input.IfMatch, undefined);
      return deleteOne(bucket, input.Key, input.VersionId, ctx, input.BypassGovernanceRetention) as Out<S3.DeleteObjectCommandOutput>;
    },

    async DeleteObjects(input: S3.DeleteObjectsCommandInput, ctx: RequestContext): Promise<Out<S3.DeleteObjectsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertBypassApplicable(bucket, input.BypassGovernanceRetention);
      const objects = input.Delete?.Objects ?? [];
      if (objects.length === 0 || objects.length > 1000) throw malformedXml();
      const deleted: S3.DeletedObject[] = [];
      const errors: S3._Error[] = [];
      for (const obj of objects) {
        try {
          const r = deleteOne(bucket, obj.Key ?? '', obj.VersionId, ctx, input.BypassGovernanceRetention) as { VersionId?: string; DeleteMarker?: boolean };
          const entry: S3.DeletedObject = { Key: obj.Key };
          if (obj.VersionId) entry.VersionId = obj.VersionId;
          if (r.DeleteMarker) {
            entry.DeleteMarker = true;
            entry.DeleteMarkerVersionId = r.VersionId;
          }
          deleted.push(entry);
        } catch (err) {
          if (!(err instanceof AwsError)) throw err;
          errors.push({ Key: obj.Key, VersionId: obj.VersionId, Code: err.code, Message: err.message });
        }
      }
      return {
        ...(input.Delete?.Quiet ? {} : { Deleted: deleted }),
        ...(errors.length ? { Errors: errors } : {}),
      };
    },

    async CopyObject(input: S3.CopyObjectCommandInput, ctx: RequestContext): Promise<Out<S3.CopyObjectCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const key = input.Key;
      const acl = objectAclForWrite(bucket, input, ctx.accountId);
      const encryption = encryptionForWrite(bucket, input, { key, accountId: ctx.accountId, action: 's3:CopyObject' });
      const lock = lockRequestOf(bucket, input, state.deps.clock.now());
      const { source, srcBucket, src } = readCopySource(state, input);
      const replace = input.MetadataDirective === 'REPLACE';
      if (input.MetadataDirective !== undefined && !replace && input.MetadataDirective !== 'COPY') {
        throw new AwsError('InvalidArgument', 'Unknown metadata directive.', 400, { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: input.MetadataDirective });
      }
      const sameObject = srcBucket === bucket && source.key === key && (source.versionId === undefined || latestVersion(bucket, key) === src);
      // An SSE-C source copied without a destination key becomes SSE-S3: a change of encryption.
      const sameEncryption =
        input.ServerSideEncryption === undefined && input.SSEKMSKeyId === undefined && input.SSECustomerAlgorithm === undefined && !isSseC(src.encryption);
      if (sameObject && !replace && input.StorageClass === undefined && input.WebsiteRedirectLocation === undefined && input.ChecksumAlgorithm === undefined && sameEncryption) {
        throw new AwsError(
          'InvalidRequest',
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
          400,
        );
      }
      const metadata = replace ? normalizeMetadata(input.Metadata) : { ...src.metadata };
      const headers = replace ? headersFromInput(input) : { ...src.headers };
      const tags = input.TaggingDirective === 'REPLACE' ? parseTaggingHeader(input.Tagging) : src.tags.map((t) => ({ ...t }));
      checkWriteConditions(bucket, key, input.IfMatch, input.IfNoneMatch);

      const algorithm = parseChecksumAlgorithm(input.ChecksumAlgorithm);
      let checksum: StoredChecksum;
      if (algorithm) checksum = { algorithm, value: await checksumOf(algorithm, src.body), type: 'FULL_OBJECT' };
      else if (src.checksum?.type === 'FULL_OBJECT') checksum = { ...src.checksum };
      else checksum = await defaultChecksum(src.body);
      // A copy is a single new object: its ETag is the MD5 of the body unless it is SSE-C, whatever the source's was.
      let etag = src.etag;
      if (isSseC(encryption)) etag = sseCEtag();
      else if (src.etag.includes('-') || isSseC(src.encryption)) etag = md5Etag(createHash('md5').update(src.body).digest());

      const version: ObjectVersion = {
        key,
        versionId: writeVersionId(bucket),
        isDeleteMarker: false,
        lastModified: nowSeconds(state),
        body: src.body,
        etag,
        metadata,
        headers,
        tags,
        storageClass: storageClassOf(input.StorageClass),
        checksum,
        ownerAccount: ctx.accountId,
        ...(acl ? { acl } : {}),
        encryption,
        // The source's lock is not copied: the copy gets the request's lock headers or the bucket default.
        ...lockForNewVersion(bucket, lock, state.deps.clock.now()),
      };
      putVersion(bucket, version);
      notifier.emit({ bucket, eventName: 'ObjectCreated:Copy', key, size: version.body.length, etag, versionId: version.versionId, ctx, reason: 'CopyObject' });
      return {
        CopyObjectResult: { ETag: etag, LastModified: new Date(version.lastModified), ...checksumOutput(checksum) },
        VersionId: shownVersionId(bucket, version),
        CopySourceVersionId: srcBucket.versioning ? src.versionId : undefined,
        ...encryptionOutput(encryption),
      };
    },
  };

  function readBody(bucket: Bucket, v: ObjectVersion, input: S3.GetObjectCommandInput, _ctx: RequestContext, withBody: boolean): any {
    const size = v.body.length;
    if (input.PartNumber !== undefined && input.Range !== undefined) {
      throw new AwsError('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter', 400);
    }
    let span: { start: number; end: number } | undefined;
    let partsCount: number | undefined;
    if (input.PartNumber !== undefined) {
      const part = partSpan(v, input.PartNumber);
      span = part;
      partsCount = v.partSizes ? part.count : undefined;
    } else span = parseRange(input.Range, size);
    const out = objectOutput(bucket, v, { checksumMode: input.ChecksumMode, overrides: input, fullObject: span === undefined });
    if (span === undefined) {
      if (withBody) out.Body = v.body;
      return out;
    }
    out.ContentLength = span.end - span.start + 1;
    out.ContentRange = `bytes ${span.start}-${span.end}/${size}`;
    if (partsCount !== undefined) out.PartsCount = partsCount;
    if (withBody) out.Body = v.body.subarray(span.start, span.end + 1);
    return withMeta(out, { status: 206 });
  }
}

/**
 * The copy source of CopyObject / UploadPartCopy: found, read with its SSE-C key if it has one
 * (x-amz-copy-source-server-side-encryption-customer-*), its x-amz-copy-source-if-* conditions met, readable.
 */
export function readCopySource(
  state: S3State,
  input: {
    CopySource?: string;
    CopySourceIfMatch?: string;
    CopySourceIfNoneMatch?: string;
    CopySourceIfModifiedSince?: Date;
    CopySourceIfUnmodifiedSince?: Date;
    CopySourceSSECustomerAlgorithm?: string;
    CopySourceSSECustomerKey?: string;
    CopySourceSSECustomerKeyMD5?: string;
  },
): { source: { bucket: string; key: string; versionId?: string }; srcBucket: Bucket; src: ObjectVersion } {
  const source = parseCopySource(input.CopySource);
  const srcBucket = getBucket(state, source.bucket);
  const src = copySourceVersion(srcBucket, source.key, source.versionId);
  assertCustomerKeyFor(src.encryption, copySourceKeyOf(input));
  checkCopySourceConditions(src, {
    IfMatch: input.CopySourceIfMatch,
    IfNoneMatch: input.CopySourceIfNoneMatch,
    IfModifiedSince: input.CopySourceIfModifiedSince,
    IfUnmodifiedSince: input.CopySourceIfUnmodifiedSince,
  });
  assertReadable(src);
  return { source, srcBucket, src };
}

/** The version a copy reads: a delete marker named by version id is refused, a deleted key is NoSuchKey. */
export function copySourceVersion(bucket: Bucket, key: string, versionId: string | undefined): ObjectVersion {
  try {
    return versionForRead(bucket, key, versionId, 'GET');
  } catch (err) {
    if (err instanceof AwsError && err.code === 'MethodNotAllowed') {
      throw new AwsError('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.', 400);
    }
    if (err instanceof AwsError && err.code === 'NoSuchKey') throw noSuchKey(key);
    throw err;
  }
}
