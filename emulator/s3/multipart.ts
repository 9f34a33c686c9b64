import { createHash } from 'node:crypto';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { objectAclForWrite } from './acl';
import { entityTooLarge, MAX_STORED_UPLOAD_BYTES, readUploadBody } from './body';
import {
  checksumMember,
  checksumMismatch,
  checksumOf,
  compositeChecksum,
  defaultChecksum,
  parseChecksumAlgorithm,
  supportsFullObject,
  type ChecksumAlgorithm,
} from './checksums';
import { encryptionForWrite, encryptionOutput, encryptionRules } from './encryption';
import { assertCompleteKey, assertPartKey, assertSseCAllowed, customerKeyOf, isSseC, sseCEtag } from './sse-c';
import { invalidArgument, malformedXml, noSuchUpload } from './errors';
import { pageSize } from './listing';
import { assertKey, storageClassOf, listingUrlEncode, normalizeMetadata, parseTaggingHeader } from './names';
import { lockForNewVersion, lockRequestOf } from './object-lock';
import { checkWriteConditions, checksumOutput, headersFromInput, md5Etag, readCopySource } from './objects';
import { getBucket, newUploadId, nowSeconds, owner, shownVersionId, wholeSecond, writeVersionId, type Out, type S3State } from './state';
import { putVersion, type Bucket, type MultipartUpload, type ObjectVersion, type StoredChecksum } from './store';
import { compareUtf8 } from './sorted-keys';

/** Multipart uploads: create, upload/copy parts, complete (S3's validations and ETag), abort, list. */

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

function assertPartNumber(n: number | undefined): asserts n is number {
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(n));
  }
}

function getUpload(bucket: Bucket, key: string | undefined, uploadId: string | undefined): MultipartUpload {
  const upload = uploadId === undefined ? undefined : bucket.uploads.get(uploadId);
  if (!upload || upload.key !== key) throw noSuchUpload(uploadId ?? '');
  return upload;
}

/** `x-amz-copy-source-range: bytes=first-last`, which must lie inside the source. */
function copyRange(range: string | undefined, size: number): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= size) {
    throw invalidArgument(`Range specified is not valid for source object of size: ${size}`, 'x-amz-copy-source-range', range);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

/**
 * A part of an SSE-C upload must bring the upload's key (and no other upload takes one). A bucket that has come to
 * block SSE-C since the upload began refuses its parts.
 */
function assertPartEncryption(bucket: Bucket, upload: MultipartUpload, input: Parameters<typeof customerKeyOf>[0], ctx: RequestContext): void {
  assertPartKey(upload.encryption, customerKeyOf(input));
  if (isSseC(upload.encryption)) assertSseCAllowed(bucket, encryptionRules(bucket), upload.key, ctx.accountId, 's3:PutObject');
}

const bareEtag = (etag: string | undefined): string => (etag ?? '').trim().replace(/^"|"$/g, '');

export function multipartOperations(state: S3State) {
  const { notifier } = state;

  return {
    async CreateMultipartUpload(input: S3.CreateMultipartUploadCommandInput, ctx: RequestContext): Promise<Out<S3.CreateMultipartUploadCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const algorithm = parseChecksumAlgorithm(input.ChecksumAlgorithm);
      let type = input.ChecksumType as 'FULL_OBJECT' | 'COMPOSITE' | undefined;
      if (type !== undefined && type !== 'FULL_OBJECT' && type !== 'COMPOSITE') throw invalidArgument('Value for x-amz-checksum-type header is invalid.', 'x-amz-checksum-type', type);
      if (type && !algorithm) {
        throw new AwsError('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.', 400);
      }
      if (algorithm) {
        type ??= algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
        if (type === 'FULL_OBJECT' && !supportsFullObject(algorithm)) {
          throw new AwsError('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`, 400);
        }
        if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') {
          throw new AwsError('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.', 400);
        }
      }
      const acl = objectAclForWrite(bucket, input, ctx.accountId);
      const encryption = encryptionForWrite(bucket, input, { key: input.Key, accountId: ctx.accountId, action: 's3:PutObject' });
      const lock = lockRequestOf(bucket, input, state.deps.clock.now());
      const upload: MultipartUpload = {
        uploadId: newUploadId(),
        key: input.Key,
        initiated: state.deps.clock.now(),
        metadata: normalizeMetadata(input.Metadata),
        headers: headersFromInput(input),
        tags: parseTaggingHeader(input.Tagging),
        storageClass: storageClassOf(input.StorageClass),
        checksumAlgorithm: algorithm,
        checksumType: algorithm ? type : undefined,
        parts: new Map(),
        ownerAccount: ctx.accountId,
        ...(acl ? { acl } : {}),
        encryption,
        ...(lock ? { lock } : {}),
      };
      bucket.uploads.set(upload.uploadId, upload);
      return {
        Bucket: bucket.name,
        Key: upload.key,
        UploadId: upload.uploadId,
        ...encryptionOutput(encryption),
        ...(algorithm ? { ChecksumAlgorithm: algorithm as S3.ChecksumAlgorithm, ChecksumType: type } : {}),
      };
    },

    async UploadPart(input: S3.UploadPartCommandInput, ctx: RequestContext): Promise<Out<S3.UploadPartCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const upload = getUpload(bucket, input.Key, input.UploadId);
      assertPartNumber(input.PartNumber);
      assertPartEncryption(bucket, upload, input, ctx);
      const received = await readUploadBody(input.Body, {
        headers: ctx.headers,
        input: input as unknown as Record<string, unknown>,
        defaultAlgorithm: upload.checksumAlgorithm,
      });
      if (upload.checksumAlgorithm && received.checksum && received.checksum.algorithm !== upload.checksumAlgorithm) {
        throw new AwsError(
          'InvalidRequest',
          `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${received.checksum.algorithm.toLowerCase()}`,
          400,
        );
      }
      // Aborted or completed while the body streamed in?
      if (bucket.uploads.get(upload.uploadId) !== upload) throw noSuchUpload(upload.uploadId);
      const etag = isSseC(upload.encryption) ? sseCEtag() : md5Etag(received.md5);
      const checksum = upload.checksumAlgorithm ? received.checksum?.value : undefined;
      upload.parts.set(input.PartNumber, { partNumber: input.PartNumber, body: received.data, etag, lastModified: nowSeconds(state), checksum });
      return {
        ETag: etag,
        ...encryptionOutput(upload.encryption),
        ...(received.checksum ? { [checksumMember(received.checksum.algorithm)]: received.checksum.value } : {}),
      };
    },

    async UploadPartCopy(input: S3.UploadPartCopyCommandInput, ctx: RequestContext): Promise<Out<S3.UploadPartCopyCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const upload = getUpload(bucket, input.Key, input.UploadId);
      assertPartNumber(input.PartNumber);
      assertPartEncryption(bucket, upload, input, ctx);
      const { srcBucket, src } = readCopySource(state, input);
      const { start, end } = copyRange(input.CopySourceRange, src.body.length);
      const body = src.body.subarray(start, end + 1);
      const etag = isSseC(upload.encryption) ? sseCEtag() : md5Etag(createHash('md5').update(body).digest());
      const checksum = upload.checksumAlgorithm ? await checksumOf(upload.checksumAlgorithm, body) : undefined;
      const lastModified = nowSeconds(state);
      upload.parts.set(input.PartNumber, { partNumber: input.PartNumber, body, etag, lastModified, checksum });
      return {
        CopyPartResult: {
          ETag: etag,
          LastModified: new Date(lastModified),
          ...(checksum ? { [checksumMember(upload.checksumAlgorithm!)]: checksum } : {}),
        },
        ...(srcBucket.versioning ? { CopySourceVersionId: src.versionId } : {}),
        ...encryptionOutput(upload.encryption),
      };
    },

    async CompleteMultipartUpload(input: S3.CompleteMultipartUploadCommandInput, ctx: RequestContext): Promise<Out<S3.CompleteMultipartUploadCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const upload = getUpload(bucket, input.Key, input.UploadId);
      const requested = input.MultipartUpload?.Parts ?? [];
      if (requested.length === 0) throw malformedXml();
      assertCompleteKey(upload.encryption, customerKeyOf(input), upload.checksumAlgorithm !== undefined);

      // S3 checks the order of the whole list first, then each part's existence and ETag, then sizes.
      let previous = 0;
      for (const p of requested) {
        if (p.PartNumber === undefined) throw malformedXml();
        if (p.PartNumber <= previous) {
          throw new AwsError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: upload.uploadId });
        }
        previous = p.PartNumber;
      }
      const parts = requested.map((p) => {
        const stored = upload.parts.get(p.PartNumber!);
        if (!stored || bareEtag(p.ETag) !== bareEtag(stored.etag) || !partChecksumMatches(p, stored.checksum, upload.checksumAlgorithm)) {
          throw new AwsError(
            'InvalidPart',
            "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            400,
            { UploadId: upload.uploadId, PartNumber: String(p.PartNumber), ETag: p.ETag ?? '' },
          );
        }
        return stored;
      });
      parts.forEach((stored, i) => {
        if (i < parts.length - 1 && stored.body.length < MIN_PART_SIZE) {
          throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
            ProposedSize: String(stored.body.length),
            MinSizeAllowed: String(MIN_PART_SIZE),
            PartNumber: String(stored.partNumber),
            ETag: stored.etag,
          });
        }
      });

      const total = parts.reduce((sum, p) => sum + p.body.length, 0);
      if (input.MpuObjectSize !== undefined && input.MpuObjectSize !== total) {
        throw new AwsError('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${input.MpuObjectSize} does not match what was computed: ${total}`, 400);
      }
      checkWriteConditions(bucket, upload.key, input.IfMatch, input.IfNoneMatch);

      // S3 takes up to 5 TiB here; objects live in one Buffer in this emulator, so larger ones are refused clearly.
      if (total > MAX_STORED_UPLOAD_BYTES) throw entityTooLarge(total);
      // The object is the parts laid end to end, in one allocation.
      const body = Buffer.allocUnsafe(total);
      let offset = 0;
      const md5s = createHash('md5');
      for (const p of parts) {
        p.body.copy(body, offset);
        offset += p.body.length;
        md5s.update(Buffer.from(bareEtag(p.etag), 'hex'));
      }
      const etag = `"${md5s.digest('hex')}-${parts.length}"`;
      const checksum = await objectChecksum(upload, parts.map((p) => p.checksum), body, input as unknown as Record<string, unknown>);

      const version: ObjectVersion = {
        key: upload.key,
        versionId: writeVersionId(bucket),
        isDeleteMarker: false,
        lastModified: nowSeconds(state),
        body,
        etag,
        metadata: upload.metadata,
        headers: upload.headers,
        tags: upload.tags,
        storageClass: upload.storageClass,
        checksum,
        partSizes: parts.map((p) => p.body.length),
        ...(checksum && parts.every((p) => p.checksum) ? { partChecksums: parts.map((p) => p.checksum!) } : {}),
        ownerAccount: upload.ownerAccount,
        ...(upload.acl ? { acl: upload.acl } : {}),
        ...(upload.encryption ? { encryption: upload.encryption } : {}),
        ...lockForNewVersion(bucket, upload.lock, state.deps.clock.now()),
      };
      bucket.uploads.delete(upload.uploadId);
      putVersion(bucket, version);
      notifier.emit({ bucket, eventName: 'ObjectCreated:CompleteMultipartUpload', key: version.key, size: total, etag, versionId: version.versionId, ctx, reason: 'CompleteMultipartUpload' });
      return {
        Location: `${ctx.endpoint}/${bucket.name}/${version.key.split('/').map(encodeURIComponent).join('/')}`,
        Bucket: bucket.name,
        Key: version.key,
        ETag: etag,
        VersionId: shownVersionId(bucket, version),
        // CompleteMultipartUpload's answer has no SSE-C members: an SSE-C object reports no encryption here.
        ...(isSseC(version.encryption) ? {} : encryptionOutput(version.encryption)),
        ...checksumOutput(checksum),
      } as Out<S3.CompleteMultipartUploadCommandOutput>;
    },

    async AbortMultipartUpload(input: S3.AbortMultipartUploadCommandInput, _ctx?: RequestContext): Promise<Out<S3.AbortMultipartUploadCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const upload = getUpload(bucket, input.Key, input.UploadId);
      bucket.uploads.delete(upload.uploadId);
      return {};
    },

    async ListParts(input: S3.ListPartsCommandInput, _ctx?: RequestContext): Promise<Out<S3.ListPartsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const upload = getUpload(bucket, input.Key, input.UploadId);
      const max = pageSize(input.MaxParts, 'max-parts');
      const marker = input.PartNumberMarker ? Number(input.PartNumberMarker) : 0;
      if (!Number.isInteger(marker) || marker < 0) throw invalidArgument('Provided part-number-marker not an integer or within integer range', 'part-number-marker', String(input.PartNumberMarker));
      const all = [...upload.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
      const page = all.slice(0, max);
      const truncated = all.length > page.length;
      return {
        Bucket: bucket.name,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumberMarker: String(marker),
        ...(page.length ? { NextPartNumberMarker: String(page[page.length - 1]!.partNumber) } : {}),
        MaxParts: max,
        IsTruncated: truncated,
        Parts: page.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: new Date(p.lastModified),
          ETag: p.etag,
          Size: p.body.length,
          ...(p.checksum && upload.checksumAlgorithm ? { [checksumMember(upload.checksumAlgorithm)]: p.checksum } : {}),
        })),
        Initiator: owner(upload.ownerAccount),
        Owner: owner(upload.ownerAccount),
        StorageClass: upload.storageClass as S3.StorageClass,
        ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm as S3.ChecksumAlgorithm, ChecksumType: upload.checksumType } : {}),
      };
    },

    async ListMultipartUploads(input: S3.ListMultipartUploadsCommandInput, _ctx?: RequestContext): Promise<Out<S3.ListMultipartUploadsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const max = pageSize(input.MaxUploads, 'max-uploads');
      const enc = input.EncodingType === 'url' ? listingUrlEncode : (s: string) => s;
      const prefix = input.Prefix ?? '';
      const delimiter = input.Delimiter || undefined;
      const keyMarker = input.KeyMarker || undefined;
      const uploadIdMarker = keyMarker ? input.UploadIdMarker || undefined : undefined;
      const sorted = [...bucket.uploads.values()]
        .filter((u) => u.key.startsWith(prefix))
        .sort((a, b) => compareUtf8(a.key, b.key) || a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : 1));
      // Resume point: after the marker key, or after the marker upload within it.
      let startIndex = 0;
      if (keyMarker !== undefined) {
        const markerAt = uploadIdMarker ? sorted.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker) : -1;
        startIndex = markerAt >= 0 ? markerAt + 1 : sorted.findIndex((u) => compareUtf8(u.key, keyMarker) > 0);
        if (startIndex < 0) startIndex = sorted.length;
      }
      const uploads: S3.MultipartUpload[] = [];
      const prefixes: S3.CommonPrefix[] = [];
      let truncated = false;
      let lastKey: string | undefined;
      let lastUploadId: string | undefined;
      for (let i = startIndex; i < sorted.length; i++) {
        const u = sorted[i]!;
        const d = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
        const common = d >= 0 ? u.key.slice(0, d + delimiter!.length) : undefined;
        if (common !== undefined && (prefixes.some((p) => p.Prefix === enc(common)) || (keyMarker !== undefined && compareUtf8(common, keyMarker) <= 0))) continue;
        if (uploads.length + prefixes.length === max) {
          truncated = true;
          break;
        }
        if (common !== undefined) {
          prefixes.push({ Prefix: enc(common) });
          lastKey = common;
          lastUploadId = undefined;
        } else {
          uploads.push({
            UploadId: u.uploadId,
            Key: enc(u.key),
            Initiated: new Date(wholeSecond(u.initiated)), // kept to the ms to order the uploads of one key
            StorageClass: u.storageClass as S3.StorageClass,
            Owner: owner(u.ownerAccount),
            Initiator: owner(u.ownerAccount),
            ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm as S3.ChecksumAlgorithm, ChecksumType: u.checksumType } : {}),
          });
          lastKey = u.key;
          lastUploadId = u.uploadId;
        }
      }
      return {
        Bucket: bucket.name,
        KeyMarker: enc(input.KeyMarker ?? ''),
        UploadIdMarker: input.UploadIdMarker ?? '',
        Prefix: enc(prefix),
        MaxUploads: max,
        IsTruncated: truncated,
        ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
        ...(truncated && lastKey !== undefined ? { NextKeyMarker: enc(lastKey), ...(lastUploadId ? { NextUploadIdMarker: lastUploadId } : {}) } : {}),
        ...(uploads.length ? { Uploads: uploads } : {}),
        ...(prefixes.length ? { CommonPrefixes: prefixes } : {}),
        ...(input.EncodingType ? { EncodingType: input.EncodingType } : {}),
      };
    },
  };
}

/** A part named in CompleteMultipartUpload may carry its checksum; it must be the stored one. */
function partChecksumMatches(part: S3.CompletedPart, stored: string | undefined, algorithm: ChecksumAlgorithm | undefined): boolean {
  if (!algorithm) return true;
  const given = (part as Record<string, unknown>)[checksumMember(algorithm)] as string | undefined;
  return given === undefined || given === stored;
}

/**
 * The completed object's checksum: COMPOSITE is the checksum of the part checksums (`-N`), FULL_OBJECT is
 * computed over the assembled bytes and, when the client sent one, must match it. An upload created without an
 * algorithm gets S3's default, a CRC64NVME of the whole object (S3 "stores a CRC-based whole-object checksum in
 * object metadata, even for multipart uploads", its December 2024 announcement).
 */
async function objectChecksum(
  upload: MultipartUpload,
  partChecksums: (string | undefined)[],
  body: Buffer,
  input: Record<string, unknown>,
): Promise<StoredChecksum> {
  const algorithm = upload.checksumAlgorithm;
  if (!algorithm) return defaultChecksum(body);
  if (upload.checksumType === 'FULL_OBJECT') {
    const value = await checksumOf(algorithm, body);
    const given = input[checksumMember(algorithm)] as string | undefined;
    if (given !== undefined && given !== value) throw checksumMismatch(algorithm);
    return { algorithm, value, type: 'FULL_OBJECT' };
  }
  if (partChecksums.some((c) => c === undefined)) {
    throw new AwsError('InvalidRequest', `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part.`, 400);
  }
  const value = await compositeChecksum(algorithm, partChecksums as string[]);
  const given = input[checksumMember(algorithm)] as string | undefined;
  // Clients send the composite value with or without its `-N` suffix.
  if (given !== undefined && given !== value && given !== value.replace(/-\d+$/, '')) throw checksumMismatch(algorithm);
  return { algorithm, value, type: 'COMPOSITE' };
}
