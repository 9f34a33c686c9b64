import type { Bucket, MultipartUpload, ObjectVersion } from '../store';
import { afterLock, currentExpiry, expiredMarkerRemoval, noncurrentExpiry, uploadAbort, type Due } from './rules';

/** The lifecycle actions a key (or an upload) has coming, each with its due time. */
export type Action =
  | { kind: 'expireNoncurrent'; version: ObjectVersion; due: Due }
  | { kind: 'removeMarker'; version: ObjectVersion; due: Due }
  | { kind: 'expireCurrent'; version: ObjectVersion; due: Due }
  | { kind: 'abortUpload'; upload: MultipartUpload; due: Due };

/**
 * Permanent deletions come before the current version's expiration (S3: "permanent deletion takes precedence"),
 * so a run that does both leaves the new delete marker on top of what remains.
 */
const ORDER: Record<Action['kind'], number> = { expireNoncurrent: 0, removeMarker: 1, expireCurrent: 2, abortUpload: 3 };

export function keyActions(bucket: Bucket, key: string): Action[] {
  const versions = bucket.objects.get(key)?.versions ?? [];
  const out: Action[] = [];
  const current = versions[0];
  if (current && !current.isDeleteMarker) {
    // Only a delete marker goes on top, which Object Lock allows: no lock check here.
    const due = currentExpiry(bucket, current);
    if (due) out.push({ kind: 'expireCurrent', version: current, due });
  } else if (current && versions.length === 1) {
    const due = expiredMarkerRemoval(bucket, current);
    if (due) out.push({ kind: 'removeMarker', version: current, due });
  }
  if (bucket.versioning) {
    for (let i = 1; i < versions.length; i++) {
      const v = versions[i]!;
      const due = afterLock(v, noncurrentExpiry(bucket, v, versions[i - 1]!.lastModified, i - 1));
      if (due) out.push({ kind: 'expireNoncurrent', version: v, due });
    }
  }
  return out.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

export function uploadActions(bucket: Bucket, key?: string): Action[] {
  const out: Action[] = [];
  for (const upload of bucket.uploads.values()) {
    if (key !== undefined && upload.key !== key) continue;
    const due = uploadAbort(bucket, upload);
    if (due) out.push({ kind: 'abortUpload', upload, due });
  }
  return out;
}

const minDue = (actions: Action[]): number | undefined => (actions.length ? Math.min(...actions.map((a) => a.due.at)) : undefined);

const minOf = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** The earliest due action of one key (its versions and its uploads). */
export const keyNextDue = (bucket: Bucket, key: string): number | undefined => minOf(minDue(keyActions(bucket, key)), minDue(uploadActions(bucket, key)));

/** The earliest due action in the whole bucket. */
export function bucketNextDue(bucket: Bucket): number | undefined {
  let due = minDue(uploadActions(bucket));
  for (const key of bucket.keys) due = minOf(due, minDue(keyActions(bucket, key)));
  return due;
}
