import type * as S3 from '@aws-sdk/client-s3';
import { addDays, nextMidnight, previousMidnight } from '../../core/calendar';
import type { Bucket, MultipartUpload, ObjectVersion } from '../store';

/**
 * Which lifecycle rules apply to a version or an upload, and when their actions fall due (S3 User Guide:
 * "Lifecycle configuration elements", "Adding filters to Lifecycle rules", "Expiring objects"). Pure functions
 * over the stored configuration (SDK shapes, as PutBucketLifecycleConfiguration kept them).
 *
 * S3 counts days from the version's creation (or, for a noncurrent version, from when its successor was
 * created) and rounds the result up to the next midnight UTC; an Expiration.Date is a midnight UTC.
 */

/** The first daily run after a moment: one at that very midnight has already begun. */
export const firstRunAfter = (ms: number): number => addDays(previousMidnight(ms), 1);

/** A Date member as stored: a Date, or its string form once persisted and read back. */
export const timeOf = (d: unknown): number | undefined => (d === undefined || d === null ? undefined : new Date(d as string).getTime());

/** The enabled rules of the bucket's configuration ("Disabled" rules are kept but never act). */
export function enabledRules(bucket: Bucket): S3.LifecycleRule[] {
  const rules = (bucket.lifecycle as { Rules?: S3.LifecycleRule[] } | undefined)?.Rules ?? [];
  return rules.filter((r) => r.Status === 'Enabled');
}

/** What a filter is matched against. */
interface Subject {
  key: string;
  size: number;
  tags: { Key?: string; Value?: string }[];
}

/** A filter tag with no Value matches only a tag of that key whose value is empty. */
const hasTag = (subject: Subject, tag: S3.Tag): boolean => subject.tags.some((t) => t.Key === tag.Key && (t.Value ?? '') === (tag.Value ?? ''));

interface Predicates {
  Prefix?: string;
  Tags?: S3.Tag[];
  ObjectSizeGreaterThan?: number;
  ObjectSizeLessThan?: number;
}

function matchesPredicates(p: Predicates, s: Subject): boolean {
  if (p.Prefix !== undefined && !s.key.startsWith(p.Prefix)) return false;
  if (p.Tags && !p.Tags.every((t) => hasTag(s, t))) return false;
  if (p.ObjectSizeGreaterThan !== undefined && !(s.size > Number(p.ObjectSizeGreaterThan))) return false;
  if (p.ObjectSizeLessThan !== undefined && !(s.size < Number(p.ObjectSizeLessThan))) return false;
  return true;
}

/** The legacy top-level Prefix, or the Filter (Prefix, Tag, a size bound, or And of them); none means every object. */
export function ruleMatches(rule: S3.LifecycleRule, s: Subject): boolean {
  if (rule.Prefix !== undefined && !s.key.startsWith(rule.Prefix)) return false;
  const f = rule.Filter as (S3.LifecycleRuleFilter & { And?: S3.LifecycleRuleAndOperator }) | undefined;
  if (!f) return true;
  if (f.And) return matchesPredicates(f.And, s);
  return matchesPredicates({ Prefix: f.Prefix, Tags: f.Tag ? [f.Tag] : undefined, ObjectSizeGreaterThan: f.ObjectSizeGreaterThan, ObjectSizeLessThan: f.ObjectSizeLessThan }, s);
}

export const subjectOf = (v: ObjectVersion): Subject => ({ key: v.key, size: v.body.length, tags: v.tags });

/** A due action, with the rule behind it (the first rule in order when several give the same time). */
export interface Due {
  at: number;
  ruleId: string;
}

const earliest = (a: Due | undefined, b: Due | undefined): Due | undefined => (!a ? b : !b ? a : b.at < a.at ? b : a);

/**
 * When the current version expires (Expiration.Days or .Date): the earliest of the matching rules, as S3 honours the
 * shorter of overlapping expirations. A version written after an Expiration.Date is due at the first run after it
 * (not at once when written at midnight).
 */
export function currentExpiry(bucket: Bucket, v: ObjectVersion): Due | undefined {
  let due: Due | undefined;
  for (const rule of enabledRules(bucket)) {
    const e = rule.Expiration;
    if (!e || (e.Days === undefined && e.Date === undefined) || !ruleMatches(rule, subjectOf(v))) continue;
    const at = e.Days !== undefined ? nextMidnight(addDays(v.lastModified, e.Days)) : Math.max(timeOf(e.Date)!, firstRunAfter(v.lastModified));
    due = earliest(due, { at, ruleId: rule.ID ?? '' });
  }
  return due;
}

/**
 * When a delete marker with no other version left is removed: by a rule with ExpiredObjectDeleteMarker at the first
 * run after it was made (so a marker lifecycle itself placed at midnight goes a day later, not in the same run); by a
 * rule that expires current versions once the marker meets that rule's age (Days) or date (S3 User Guide: with Days,
 * S3 cleans up such markers "when the delete markers are old enough to satisfy the age criteria").
 */
export function expiredMarkerRemoval(bucket: Bucket, marker: ObjectVersion): Due | undefined {
  let due: Due | undefined;
  const first = firstRunAfter(marker.lastModified);
  for (const rule of enabledRules(bucket)) {
    const e = rule.Expiration;
    if (!e || !(e.ExpiredObjectDeleteMarker || e.Days !== undefined || e.Date !== undefined) || !ruleMatches(rule, subjectOf(marker))) continue;
    const at = e.Days !== undefined ? Math.max(first, nextMidnight(addDays(marker.lastModified, e.Days))) : e.Date !== undefined ? Math.max(first, timeOf(e.Date)!) : first;
    due = earliest(due, { at, ruleId: rule.ID ?? '' });
  }
  return due;
}

/**
 * When a noncurrent version is permanently deleted (NoncurrentVersionExpiration): NoncurrentDays after its
 * successor was written, once at least NewerNoncurrentVersions newer noncurrent versions exist (`rank` counts them).
 */
export function noncurrentExpiry(bucket: Bucket, v: ObjectVersion, becameNoncurrent: number, rank: number): Due | undefined {
  let due: Due | undefined;
  for (const rule of enabledRules(bucket)) {
    const n = rule.NoncurrentVersionExpiration;
    if (n?.NoncurrentDays === undefined || rank < (n.NewerNoncurrentVersions ?? 0) || !ruleMatches(rule, subjectOf(v))) continue;
    due = earliest(due, { at: nextMidnight(addDays(becameNoncurrent, n.NoncurrentDays)), ruleId: rule.ID ?? '' });
  }
  return due;
}

/** When an incomplete multipart upload is aborted (AbortIncompleteMultipartUpload; its rules filter by prefix only). */
export function uploadAbort(bucket: Bucket, upload: MultipartUpload): Due | undefined {
  let due: Due | undefined;
  for (const rule of enabledRules(bucket)) {
    const days = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
    if (days === undefined || !ruleMatches(rule, { key: upload.key, size: 0, tags: [] })) continue;
    due = earliest(due, { at: nextMidnight(addDays(upload.initiated, days)), ruleId: rule.ID ?? '' });
  }
  return due;
}

/**
 * A locked version (legal hold, or a retention that runs) is never permanently deleted by lifecycle: its deletion
 * waits for the retention to end, or for good while a legal hold is on.
 */
export function afterLock(v: ObjectVersion, due: Due | undefined): Due | undefined {
  if (!due) return undefined;
  if (v.legalHold === 'ON') return undefined;
  if (v.retention && v.retention.until > due.at) return { ...due, at: v.retention.until };
  return due;
}
