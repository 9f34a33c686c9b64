import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { checksumMember } from './checksums';
import { invalidArgument } from './errors';
import { assertKey } from './names';
import { versionForRead } from './object-read';
import { assertCustomerKeyFor, customerKeyOf } from './sse-c';
import { getBucket, shownVersionId, type Out, type S3State } from './state';
import type { ObjectVersion } from './store';

/**
 * GetObjectAttributes: what HEAD tells and more, without the body — ETag (unquoted, as S3 sends it here),
 * checksum, multipart parts, storage class, size. A current delete marker is a 404 with x-amz-delete-marker,
 * a delete marker named by version a 405, as for GET (versionForRead). An SSE-C object needs its key, as for GET.
 */

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);
const DEFAULT_MAX_PARTS = 1000;

/** The composite checksum of a multipart object is shown without its `-N` part count here. */
function checksumAttribute(v: ObjectVersion): S3.Checksum | undefined {
  if (!v.checksum) return undefined;
  const value = v.checksum.type === 'COMPOSITE' ? v.checksum.value.replace(/-\d+$/, '') : v.checksum.value;
  return { [checksumMember(v.checksum.algorithm)]: value, ChecksumType: v.checksum.type } as S3.Checksum;
}

/**
 * A multipart object's parts. S3 lists the parts (sizes and checksums) only for an object uploaded with a
 * COMPOSITE checksum (a checksum of the part checksums); with none, or a FULL_OBJECT one, it reports just their count.
 */
function partsAttribute(v: ObjectVersion, maxParts: number | undefined, markerText: string | undefined): S3.GetObjectAttributesParts | undefined {
  const sizes = v.partSizes;
  if (!sizes) return undefined;
  if (!v.partChecksums || v.checksum?.type !== 'COMPOSITE') return { TotalPartsCount: sizes.length };
  const max = maxParts ?? DEFAULT_MAX_PARTS;
  if (!Number.isInteger(max) || max < 0) throw invalidArgument('Argument max-parts must be an integer between 0 and 2147483647', 'max-parts', String(maxParts));
  const marker = markerText === undefined || markerText === '' ? 0 : Number(markerText);
  if (!Number.isInteger(marker) || marker < 0) {
    throw invalidArgument('Provided part-number-marker not an integer or within integer range', 'part-number-marker', String(markerText));
  }
  const member = checksumMember(v.checksum.algorithm);
  const page = sizes.slice(marker, marker + max).map((size, i) => ({ PartNumber: marker + i + 1, Size: size, [member]: v.partChecksums![marker + i] }) as S3.ObjectPart);
  const truncated = marker + page.length < sizes.length;
  return {
    TotalPartsCount: sizes.length,
    PartNumberMarker: String(marker),
    ...(page.length ? { NextPartNumberMarker: String(page[page.length - 1]!.PartNumber) } : {}),
    MaxParts: max,
    IsTruncated: truncated,
    Parts: page,
  };
}

export function objectAttributesOperations(state: S3State) {
  return {
    async GetObjectAttributes(input: S3.GetObjectAttributesCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectAttributesCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      assertKey(input.Key);
      const wanted = (input.ObjectAttributes ?? []).flatMap((a) => String(a).split(',')).map((a) => a.trim()).filter(Boolean);
      if (wanted.length === 0 || wanted.some((a) => !ATTRIBUTES.has(a))) {
        throw invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', wanted.find((a) => !ATTRIBUTES.has(a)));
      }
      const v = versionForRead(bucket, input.Key, input.VersionId, 'GET');
      assertCustomerKeyFor(v.encryption, customerKeyOf(input));
      const asked = new Set(wanted);
      const out: Out<S3.GetObjectAttributesCommandOutput> = { LastModified: new Date(v.lastModified) };
      const versionId = shownVersionId(bucket, v);
      if (versionId !== undefined) out.VersionId = versionId;
      if (asked.has('ETag')) out.ETag = v.etag.replace(/^"|"$/g, '');
      if (asked.has('Checksum')) out.Checksum = checksumAttribute(v);
      if (asked.has('ObjectParts')) out.ObjectParts = partsAttribute(v, input.MaxParts, input.PartNumberMarker);
      if (asked.has('StorageClass')) out.StorageClass = v.storageClass as S3.StorageClass;
      if (asked.has('ObjectSize')) out.ObjectSize = v.body.length;
      return out;
    },
  };
}
