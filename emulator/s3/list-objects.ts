import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { invalidArgument } from './errors';
import { decodeContinuationToken, encodeContinuationToken, pageSize, walk, walkVersions, type WalkEntry } from './listing';
import { listingUrlEncode } from './names';
import { getBucket, owner, type Out, type S3State } from './state';
import type { Bucket, ObjectVersion } from './store';

/** ListObjects (v1), ListObjectsV2 and ListObjectVersions over the bucket's sorted keys. */
export function listOperations(state: S3State) {
  return {
    async ListObjects(input: S3.ListObjectsCommandInput, _ctx?: RequestContext): Promise<Out<S3.ListObjectsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const enc = encoder(input.EncodingType);
      const max = pageSize(input.MaxKeys, 'max-keys');
      const prefix = input.Prefix ?? '';
      const delimiter = input.Delimiter || undefined;
      const { entries, truncated } = walk(bucket.keys, { prefix, delimiter, after: input.Marker || undefined, max, include: liveKey(bucket) });
      const { contents, prefixes } = render(bucket, entries, enc, { owner: true, restoreStatus: wantsRestoreStatus(input) });
      const last = entries[entries.length - 1];
      return {
        Name: bucket.name,
        Prefix: enc(prefix),
        Marker: enc(input.Marker ?? ''),
        MaxKeys: max,
        IsTruncated: truncated,
        ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
        // S3 gives NextMarker only with a delimiter; without one the last key is the marker.
        ...(truncated && delimiter && last ? { NextMarker: enc(entryName(last)) } : {}),
        ...(contents.length ? { Contents: contents } : {}),
        ...(prefixes.length ? { CommonPrefixes: prefixes } : {}),
        ...(input.EncodingType ? { EncodingType: input.EncodingType } : {}),
      };
    },

    async ListObjectsV2(input: S3.ListObjectsV2CommandInput, _ctx?: RequestContext): Promise<Out<S3.ListObjectsV2CommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const enc = encoder(input.EncodingType);
      const max = pageSize(input.MaxKeys, 'max-keys');
      const prefix = input.Prefix ?? '';
      const delimiter = input.Delimiter || undefined;
      if (input.ContinuationToken === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', '');
      const after = input.ContinuationToken !== undefined ? decodeContinuationToken(input.ContinuationToken) : input.StartAfter || undefined;
      const { entries, truncated } = walk(bucket.keys, { prefix, delimiter, after, max, include: liveKey(bucket) });
      const { contents, prefixes } = render(bucket, entries, enc, { owner: input.FetchOwner === true, restoreStatus: wantsRestoreStatus(input) });
      const last = entries[entries.length - 1];
      return {
        Name: bucket.name,
        Prefix: enc(prefix),
        MaxKeys: max,
        KeyCount: entries.length,
        IsTruncated: truncated,
        ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
        ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
        ...(input.StartAfter !== undefined ? { StartAfter: enc(input.StartAfter) } : {}),
        ...(truncated && last ? { NextContinuationToken: encodeContinuationToken(entryName(last)) } : {}),
        ...(contents.length ? { Contents: contents } : {}),
        ...(prefixes.length ? { CommonPrefixes: prefixes } : {}),
        ...(input.EncodingType ? { EncodingType: input.EncodingType } : {}),
      };
    },

    async ListObjectVersions(input: S3.ListObjectVersionsCommandInput, _ctx?: RequestContext): Promise<Out<S3.ListObjectVersionsCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      const enc = encoder(input.EncodingType);
      const max = pageSize(input.MaxKeys, 'max-keys');
      const prefix = input.Prefix ?? '';
      const delimiter = input.Delimiter || undefined;
      if (input.VersionIdMarker && !input.KeyMarker) {
        throw invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', input.VersionIdMarker);
      }
      const { entries, truncated } = walkVersions(bucket, {
        prefix,
        delimiter,
        keyMarker: input.KeyMarker || undefined,
        versionIdMarker: input.VersionIdMarker || undefined,
        max,
      });
      const versions: S3.ObjectVersion[] = [];
      const markers: S3.DeleteMarkerEntry[] = [];
      const prefixes: S3.CommonPrefix[] = [];
      for (const e of entries) {
        if (e.kind === 'prefix') {
          prefixes.push({ Prefix: enc(e.prefix) });
          continue;
        }
        const v = e.version;
        const common = { Key: enc(v.key), VersionId: v.versionId, IsLatest: e.isLatest, LastModified: new Date(v.lastModified), Owner: owner(v.ownerAccount) };
        if (v.isDeleteMarker) markers.push(common);
        else versions.push({ ...common, ETag: v.etag, Size: v.body.length, StorageClass: v.storageClass as 'STANDARD', ...checksumFields(v) });
      }
      const last = entries[entries.length - 1];
      return {
        Name: bucket.name,
        Prefix: enc(prefix),
        KeyMarker: enc(input.KeyMarker ?? ''),
        VersionIdMarker: input.VersionIdMarker ?? '',
        MaxKeys: max,
        IsTruncated: truncated,
        ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
        ...(truncated && last
          ? last.kind === 'prefix'
            ? { NextKeyMarker: enc(last.prefix) }
            : { NextKeyMarker: enc(last.version.key), NextVersionIdMarker: last.version.versionId }
          : {}),
        ...(versions.length ? { Versions: versions } : {}),
        ...(markers.length ? { DeleteMarkers: markers } : {}),
        ...(prefixes.length ? { CommonPrefixes: prefixes } : {}),
        ...(input.EncodingType ? { EncodingType: input.EncodingType } : {}),
      };
    },
  };
}

const entryName = (e: WalkEntry): string => (e.kind === 'key' ? e.key : e.prefix);

function encoder(encodingType: string | undefined): (s: string) => string {
  if (encodingType === undefined) return (s) => s;
  if (encodingType !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  return listingUrlEncode;
}

/** Keys that ListObjects shows: those whose current version is not a delete marker. */
const liveKey = (bucket: Bucket) => (key: string): boolean => {
  const v = bucket.objects.get(key)?.versions[0];
  return v !== undefined && !v.isDeleteMarker;
};

function checksumFields(v: ObjectVersion): Pick<S3._Object, 'ChecksumAlgorithm' | 'ChecksumType'> {
  return v.checksum ? { ChecksumAlgorithm: [v.checksum.algorithm as S3.ChecksumAlgorithm], ChecksumType: v.checksum.type } : {};
}

/** RestoreStatus is listed only when asked for with x-amz-optional-object-attributes. */
const wantsRestoreStatus = (input: { OptionalObjectAttributes?: string[] }): boolean => input.OptionalObjectAttributes?.includes('RestoreStatus') ?? false;

function render(bucket: Bucket, entries: WalkEntry[], enc: (s: string) => string, opts: { owner: boolean; restoreStatus: boolean }) {
  const contents: S3._Object[] = [];
  const prefixes: S3.CommonPrefix[] = [];
  for (const e of entries) {
    if (e.kind === 'prefix') {
      prefixes.push({ Prefix: enc(e.prefix) });
      continue;
    }
    const v = bucket.objects.get(e.key)!.versions[0]!;
    contents.push({
      Key: enc(v.key),
      LastModified: new Date(v.lastModified),
      ETag: v.etag,
      Size: v.body.length,
      StorageClass: v.storageClass as S3.ObjectStorageClass,
      ...checksumFields(v),
      ...(opts.owner ? { Owner: owner(v.ownerAccount) } : {}),
      ...(opts.restoreStatus && v.restore ? { RestoreStatus: { IsRestoreInProgress: v.restore.ongoing, ...(v.restore.expiry ? { RestoreExpiryDate: new Date(v.restore.expiry) } : {}) } } : {}),
    });
  }
  return { contents, prefixes };
}
