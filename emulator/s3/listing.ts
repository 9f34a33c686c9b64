import { AwsError } from '../core/errors';
import { compareUtf8, type SortedKeys } from './sorted-keys';
import type { Bucket, ObjectVersion } from './store';

/**
 * S3's listing walk shared by ListObjects, ListObjectsV2 and ListObjectVersions: keys in UTF-8 order from a
 * marker, rolled up into CommonPrefixes at the delimiter, at most `max` entries (a common prefix counts as
 * one). Common prefixes not greater than the marker are skipped, so resuming from a returned prefix works.
 */

export interface WalkOptions {
  prefix: string;
  delimiter?: string;
  /** Exclusive start: only keys / common prefixes greater than this. */
  after?: string;
  max: number;
  /** Keys to leave out (e.g. whose latest version is a delete marker); a prefix whose keys are all left out does not appear. */
  include?: (key: string) => boolean;
}

export type WalkEntry = { kind: 'key'; key: string } | { kind: 'prefix'; prefix: string };

export interface WalkResult {
  entries: WalkEntry[];
  truncated: boolean;
}

/** Lazily yields entries in order; callers stop when their page is full. */
export function* walkKeys(keys: SortedKeys, opts: Omit<WalkOptions, 'max'>): Generator<WalkEntry> {
  const { prefix, delimiter, after, include } = opts;
  let i = after !== undefined && compareUtf8(after, prefix) >= 0 ? keys.upperBound(after) : keys.lowerBound(prefix);
  for (;;) {
    const key = keys.at(i);
    if (key === undefined || !key.startsWith(prefix)) return;
    if (delimiter) {
      const d = key.indexOf(delimiter, prefix.length);
      if (d >= 0) {
        const common = key.slice(0, d + delimiter.length);
        const end = keys.endOfPrefix(common, i);
        const wanted = after === undefined || compareUtf8(common, after) > 0;
        if (wanted && (!include || anyIncluded(keys, i, end, include))) yield { kind: 'prefix', prefix: common };
        i = end;
        continue;
      }
    }
    if (!include || include(key)) yield { kind: 'key', key };
    i++;
  }
}

function anyIncluded(keys: SortedKeys, from: number, to: number, include: (key: string) => boolean): boolean {
  for (let j = from; j < to; j++) if (include(keys.at(j)!)) return true;
  return false;
}

export function walk(keys: SortedKeys, opts: WalkOptions): WalkResult {
  const entries: WalkEntry[] = [];
  if (opts.max <= 0) return { entries, truncated: false };
  for (const entry of walkKeys(keys, opts)) {
    if (entries.length === opts.max) return { entries, truncated: true };
    entries.push(entry);
  }
  return { entries, truncated: false };
}

/** MaxKeys / MaxUploads / MaxParts: default 1000, capped at 1000, negative refused. */
export function pageSize(value: number | undefined, name: string): number {
  if (value === undefined || value === null) return 1000;
  if (!Number.isInteger(value) || value < 0) {
    throw new AwsError('InvalidArgument', `Provided ${name} not an integer or within integer range`, 400, {
      ArgumentName: name,
      ArgumentValue: String(value),
    });
  }
  return Math.min(value, 1000);
}

const TOKEN_TAG = 'seh1:';

/** ListObjectsV2 continuation tokens: opaque, but just the last key or prefix returned. */
export const encodeContinuationToken = (last: string): string => Buffer.from(TOKEN_TAG + last, 'utf8').toString('base64');

export function decodeContinuationToken(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith(TOKEN_TAG)) {
    throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400, {
      ArgumentName: 'continuation-token',
      ArgumentValue: token,
    });
  }
  return text.slice(TOKEN_TAG.length);
}

export type VersionEntry = { kind: 'version'; version: ObjectVersion; isLatest: boolean } | { kind: 'prefix'; prefix: string };

/**
 * ListObjectVersions: every version of every key, newest first per key. With a version-id marker the walk
 * resumes inside the marker key, after that version.
 */
export function walkVersions(
  bucket: Bucket,
  opts: { prefix: string; delimiter?: string; keyMarker?: string; versionIdMarker?: string; max: number },
): { entries: VersionEntry[]; truncated: boolean } {
  const entries: VersionEntry[] = [];
  if (opts.max <= 0) return { entries, truncated: false };
  const push = (e: VersionEntry): boolean => {
    if (entries.length === opts.max) return false;
    entries.push(e);
    return true;
  };
  const { keyMarker, versionIdMarker } = opts;
  // Remaining versions of the marker key itself.
  if (keyMarker !== undefined && versionIdMarker !== undefined && keyMarker.startsWith(opts.prefix)) {
    const versions = bucket.objects.get(keyMarker)?.versions ?? [];
    // An unknown marker version (deleted meanwhile) resumes after the whole key.
    const at = versions.findIndex((v) => v.versionId === versionIdMarker);
    const start = at < 0 ? versions.length : at + 1;
    for (let j = start; j < versions.length; j++) {
      if (!push({ kind: 'version', version: versions[j]!, isLatest: j === 0 })) return { entries, truncated: true };
    }
  }
  for (const entry of walkKeys(bucket.keys, { prefix: opts.prefix, delimiter: opts.delimiter, after: keyMarker })) {
    if (entry.kind === 'prefix') {
      if (!push(entry)) return { entries, truncated: true };
      continue;
    }
    const versions = bucket.objects.get(entry.key)!.versions;
    for (let j = 0; j < versions.length; j++) {
      if (!push({ kind: 'version', version: versions[j]!, isLatest: j === 0 })) return { entries, truncated: true };
    }
  }
  return { entries, truncated: false };
}
