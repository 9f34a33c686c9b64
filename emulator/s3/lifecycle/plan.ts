import type { Bucket, MultipartUpload, ObjectVersion } from '../store';
import { afterLock, currentExpiry, expiredMarkerRemoval, noncurrentExpiry, uploadAbort, type Due } from './rules';
import { currentTransition, noncurrentTransition, type TransitionDue } from './transitions';

/** The lifecycle actions a key (or an upload) has coming, each with its due time. */
export type Action =
  | { kind: 'expireNoncurrent'; version: ObjectVersion; due: Due }
  | { kind: 'removeMarker'; version: ObjectVersion; due: Due }
  | { kind: 'expireCurrent'; version: ObjectVersion; due: Due }
  | { kind: 'transition'; version: ObjectVersion; due: TransitionDue }
  | { kind: 'abortUpload'; upload: MultipartUpload; due: Due };

/**
 * The order in which a run carries out what is due (S3 User Guide, "How S3 handles conflicts"): permanent deletion
 * before transition, transition before the creation of a delete marker. So in an unversioned bucket an expiring
 * object is deleted rather than moved; in a versioned one it is moved, then the marker goes on top.
 */
function order(bucket: Bucket, kind: Action['kind']): number {
  const permanentExpiry = !bucket.versioning;
  switch (kind) {
    case 'expireNoncurrent':
      return 0;
    case 'removeMarker':
      return 1;
    case 'expireCurrent':
      return permanentExpiry ? 2 : 4;
    case 'transition':
      return 3;
    default:
      return 5;
  }
}

export function keyActions(bucket: Bucket, key: string): Action[] {
  const versions = bucket.objects.get(key)?.versions ?? [];
  const out: Action[] = [];
  const current = versions[0];
  if (current && !current.isDeleteMarker) {
    // Only a delete marker goes on top, which Object Lock allows: no lock check here (nor for a transition).
    const due = currentExpiry(bucket, current);
    if (due) out.push({ kind: 'expireCurrent', version: current, due });
    const move = currentTransition(bucket, current);
    if (move) out.push({ kind: 'transition', version: current, due: move });
  } else if (current && versions.length === 1) {
    const due = expiredMarkerRemoval(bucket, current);
    if (due) out.push({ kind: 'removeMarker', version: current, due });
  }
  if (bucket.versioning) {
    for (let i = 1; i < versions.length; i++) {
      const v = versions[i]!;
      const becameNoncurrent = versions[i - 1]!.lastModified;
      const due = afterLock(v, noncurrentExpiry(bucket, v, becameNoncurrent, i - 1));
      if (due) out.push({ kind: 'expireNoncurrent', version: v, due });
      const move = noncurrentTransition(bucket, v, becameNoncurrent, i - 1);
      if (move) out.push({ kind: 'transition', version: v, due: move });
    }
  }
  return out;
}

/** The due action a run carries out first (the first in `order`, then in plan order): a minimum, not a sort. */
export function firstDue(bucket: Bucket, actions: Action[], now: number): Action | undefined {
  let first: Action | undefined;
  for (const a of actions) if (a.due.at <= now && (!first || order(bucket, a.kind) < order(bucket, first.kind))) first = a;
  return first;
}

export function uploadActions(bucket: Bucket): Action[] {
  const out: Action[] = [];
  for (const upload of bucket.uploads.values()) {
    const due = uploadAbort(bucket, upload);
    if (due) out.push({ kind: 'abortUpload', upload, due });
  }
  return out;
}

/** A loop, not Math.min(...): a bucket can hold more uploads than a call can take arguments. */
export function minDue(actions: Action[]): number | undefined {
  let min: number | undefined;
  for (const a of actions) if (min === undefined || a.due.at < min) min = a.due.at;
  return min;
}

export const minOf = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/**
 * The earliest due action of one key's versions. Its uploads are left out: an upload's due time is fixed when it
 * starts (see `uploadNextDue`), and scanning every upload of the bucket on each write made writes O(uploads).
 */
export const keyNextDue = (bucket: Bucket, key: string): number | undefined => minDue(keyActions(bucket, key));

/** When one upload is due to be aborted. */
export const uploadNextDue = (bucket: Bucket, upload: MultipartUpload): number | undefined => uploadAbort(bucket, upload)?.at;

/** The earliest due action in the whole bucket. */
export function bucketNextDue(bucket: Bucket): number | undefined {
  let due = minDue(uploadActions(bucket));
  for (const key of bucket.keys) due = minOf(due, minDue(keyActions(bucket, key)));
  return due;
}
