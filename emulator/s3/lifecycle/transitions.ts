import type * as S3 from '@aws-sdk/client-s3';
import { addDays, nextMidnight } from '../../core/calendar';
import type { Bucket, ObjectVersion } from '../store';
import { enabledRules, firstRunAfter, ruleMatches, subjectOf, timeOf, type Due } from './rules';

/**
 * When a version moves to a colder storage class (Transitions for the current version, NoncurrentVersionTransitions
 * for noncurrent ones). S3 only moves objects down its waterfall (S3 User Guide, "Transitioning objects"), so a
 * transition to a class not colder than the version's own is ignored. On the same day the colder class wins
 * ("S3 Lifecycle transitions your objects to the lower-cost storage class"). The minimum days S3 requires are
 * checked when the configuration is put (validate-transitions.ts), so due times here need not enforce them.
 */

/** The waterfall, warmest first. */
const WATERFALL = ['STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'];
/** A class's place in the waterfall: the higher, the colder. */
export const waterfallRank = (storageClass: string): number => Math.max(0, WATERFALL.indexOf(storageClass === 'REDUCED_REDUNDANCY' ? 'STANDARD' : storageClass));

export interface TransitionDue extends Due {
  storageClass: string;
}

const SMALL = 128 * 1024;

/**
 * TransitionDefaultMinimumObjectSize: objects under 128 KiB stay put (`all_storage_classes_128K`, the default), or
 * may go only to GLACIER and DEEP_ARCHIVE (`varies_by_storage_class`), unless the rule's own filter sets a size bound.
 */
function sizeAllows(bucket: Bucket, rule: S3.LifecycleRule, v: ObjectVersion, storageClass: string): boolean {
  if (v.body.length >= SMALL) return true;
  const f = rule.Filter as (S3.LifecycleRuleFilter & { And?: S3.LifecycleRuleAndOperator }) | undefined;
  const bounds = [f?.ObjectSizeGreaterThan, f?.ObjectSizeLessThan, f?.And?.ObjectSizeGreaterThan, f?.And?.ObjectSizeLessThan];
  if (bounds.some((b) => b !== undefined)) return true;
  const policy = (bucket.lifecycle as { TransitionDefaultMinimumObjectSize?: string } | undefined)?.TransitionDefaultMinimumObjectSize;
  return policy === 'varies_by_storage_class' && (storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE');
}

/** The earlier due time; on the same time the colder class; then the first rule. */
const better = (a: TransitionDue | undefined, b: TransitionDue): TransitionDue =>
  !a || b.at < a.at || (b.at === a.at && waterfallRank(b.storageClass) > waterfallRank(a.storageClass)) ? b : a;

/** Days after a moment, rounded up to midnight UTC, never the run already going at that moment. */
const afterDays = (from: number, days: number): number => Math.max(firstRunAfter(from), nextMidnight(addDays(from, Number(days))));

export function currentTransition(bucket: Bucket, v: ObjectVersion): TransitionDue | undefined {
  let due: TransitionDue | undefined;
  for (const rule of enabledRules(bucket)) {
    if (!rule.Transitions?.length || !ruleMatches(rule, subjectOf(v))) continue;
    for (const t of rule.Transitions) {
      const storageClass = String(t.StorageClass);
      if (waterfallRank(storageClass) <= waterfallRank(v.storageClass) || !sizeAllows(bucket, rule, v, storageClass)) continue;
      const at = t.Days !== undefined ? afterDays(v.lastModified, t.Days) : t.Date !== undefined ? Math.max(timeOf(t.Date)!, firstRunAfter(v.lastModified)) : undefined;
      if (at !== undefined) due = better(due, { at, ruleId: rule.ID ?? '', storageClass });
    }
  }
  return due;
}

/** `newer` counts the newer noncurrent versions, as for NoncurrentVersionExpiration. */
export function noncurrentTransition(bucket: Bucket, v: ObjectVersion, becameNoncurrent: number, newer: number): TransitionDue | undefined {
  if (v.isDeleteMarker) return undefined;
  let due: TransitionDue | undefined;
  for (const rule of enabledRules(bucket)) {
    if (!rule.NoncurrentVersionTransitions?.length || !ruleMatches(rule, subjectOf(v))) continue;
    for (const t of rule.NoncurrentVersionTransitions) {
      const storageClass = String(t.StorageClass);
      if (t.NoncurrentDays === undefined || newer < Number(t.NewerNoncurrentVersions ?? 0)) continue;
      if (waterfallRank(storageClass) <= waterfallRank(v.storageClass) || !sizeAllows(bucket, rule, v, storageClass)) continue;
      due = better(due, { at: afterDays(becameNoncurrent, t.NoncurrentDays), ruleId: rule.ID ?? '', storageClass });
    }
  }
  return due;
}
