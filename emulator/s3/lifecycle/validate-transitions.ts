import type * as S3 from '@aws-sdk/client-s3';
import { DAY_MS, isMidnight } from '../../core/calendar';
import { invalidArgument, invalidRequest, malformedXml } from '../errors';
import { waterfallRank } from './transitions';

/**
 * What PutBucketLifecycleConfiguration refuses in a rule's Transitions and NoncurrentVersionTransitions (S3 User
 * Guide, "Transitioning objects using Amazon S3 Lifecycle" and its constraints; API reference, Transition), with
 * the codes and messages S3 answers:
 * - a move to STANDARD_IA or ONEZONE_IA comes at least 30 days after creation (Days) or after the version became
 *   noncurrent (NoncurrentDays); a Date has no such minimum, but must be a midnight UTC;
 * - within one rule, each class appears once, all moves use Days or all use Dates, a colder class comes later, and
 *   a version stays in a class its minimum storage duration (30 days for the IA classes, 90 for GLACIER_IR and
 *   GLACIER) before the next move of the rule takes it on;
 * - the rule's expiration (current or noncurrent) comes after each of its moves.
 * S3 names the rule's filter in the ordering messages, as `(prefix=logs/ and tag={key=k, value=v})`, but not in the
 * one for a NoncurrentVersionExpiration that does not come after a NoncurrentVersionTransition.
 */

const MIN_DAYS_TO_INFREQUENT_ACCESS = 30;
const INFREQUENT_ACCESS = new Set(['STANDARD_IA', 'ONEZONE_IA']);
/** Minimum storage durations that hold up the next move of the same rule. */
const MIN_STAY_DAYS: Record<string, number> = { STANDARD_IA: 30, ONEZONE_IA: 30, GLACIER_IR: 90, GLACIER: 90 };

interface Kind {
  action: 'Transition' | 'NoncurrentVersionTransition';
  expiration: 'Expiration' | 'NoncurrentVersionExpiration';
  days: 'Days' | 'NoncurrentDays';
}
const CURRENT: Kind = { action: 'Transition', expiration: 'Expiration', days: 'Days' };
const NONCURRENT: Kind = { action: 'NoncurrentVersionTransition', expiration: 'NoncurrentVersionExpiration', days: 'NoncurrentDays' };

/** One move: after a number of days, or on a date (epoch ms). */
interface Move {
  storageClass: string;
  days?: number;
  date?: number;
}

const given = (x: unknown): boolean => x !== undefined && x !== null;

/** The rule's filter as S3 prints it in its messages; no predicate at all prints as an empty prefix. */
function filterText(rule: S3.LifecycleRule): string {
  if (rule.Prefix !== undefined) return `(prefix=${rule.Prefix})`;
  const f = rule.Filter as (S3.LifecycleRuleFilter & { And?: S3.LifecycleRuleAndOperator }) | undefined;
  const p = f?.And ?? { Prefix: f?.Prefix, Tags: f?.Tag ? [f.Tag] : undefined, ObjectSizeGreaterThan: f?.ObjectSizeGreaterThan, ObjectSizeLessThan: f?.ObjectSizeLessThan };
  const parts: string[] = [];
  if (p.Prefix !== undefined) parts.push(`prefix=${p.Prefix}`);
  for (const t of p.Tags ?? []) parts.push(`tag={key=${t.Key ?? ''}, value=${t.Value ?? ''}}`);
  if (given(p.ObjectSizeGreaterThan)) parts.push(`objectsizegreaterthan=${p.ObjectSizeGreaterThan}`);
  if (given(p.ObjectSizeLessThan)) parts.push(`objectsizelessthan=${p.ObjectSizeLessThan}`);
  return parts.length ? `(${parts.join(' and ')})` : '(prefix=)';
}

function checkMove(kind: Kind, m: Move): void {
  if (m.date !== undefined) {
    if (!isMidnight(m.date)) throw invalidArgument("'Date' must be at midnight GMT");
    return;
  }
  const days = m.days!;
  if (days < 0) throw invalidArgument(`'${kind.days}' in ${kind.action} action must be nonnegative`, kind.days, String(days));
  if (INFREQUENT_ACCESS.has(m.storageClass) && days < MIN_DAYS_TO_INFREQUENT_ACCESS) {
    throw invalidArgument(`'${kind.days}' in ${kind.action} action must be greater than or equal to ${MIN_DAYS_TO_INFREQUENT_ACCESS} for storageClass '${m.storageClass}'`, kind.days, String(days));
  }
}

/** Days from one move to the next (whole days between two midnights for Dates). */
const gapDays = (warm: Move, cold: Move): number => (warm.date !== undefined ? (cold.date! - warm.date) / DAY_MS : cold.days! - warm.days!);

function checkOrder(kind: Kind, moves: Move[], filter: string): void {
  const byClass = [...moves].sort((a, b) => waterfallRank(a.storageClass) - waterfallRank(b.storageClass));
  for (let i = 1; i < byClass.length; i++) {
    const warm = byClass[i - 1]!;
    const cold = byClass[i]!;
    if (warm.storageClass === cold.storageClass) throw invalidRequest(`'StorageClass' must be different for '${kind.action}' actions in same 'Rule' with filter '${filter}'`);
    if ((warm.date === undefined) !== (cold.date === undefined)) throw invalidRequest(`Found mixed 'Date' and 'Days' based ${kind.action} actions in lifecycle rule for filter '${filter}'`);
    const field = warm.date !== undefined ? 'Date' : kind.days;
    const gap = gapDays(warm, cold);
    if (gap <= 0) {
      throw invalidArgument(`'${field}' in the ${kind.action} action for StorageClass '${cold.storageClass}' for filter '${filter}' must be greater than '${field}' in the ${kind.action} action for StorageClass '${warm.storageClass}' for filter '${filter}'`);
    }
    const stay = MIN_STAY_DAYS[warm.storageClass] ?? 0;
    if (gap < stay) {
      // S3's own wording, the filter where the warmer action's field should be included.
      throw invalidArgument(`'${field}' in the '${kind.action}' action for StorageClass '${cold.storageClass}' for filter '${filter}' must be ${stay} days more than 'filter '${filter}'' in the '${kind.action}' action for StorageClass '${warm.storageClass}'`);
    }
  }
}

/** The expiration of the same rule (Days or Date; an ExpiredObjectDeleteMarker alone has no time) comes after every move. */
function checkExpirationAfter(kind: Kind, expiration: Move | undefined, moves: Move[], filter: string): void {
  if (!expiration) return;
  for (const m of moves) {
    if ((m.date === undefined) !== (expiration.date === undefined)) throw invalidRequest(`Found mixed 'Date' and 'Days' based ${kind.expiration} and ${kind.action} actions in lifecycle rule for filter '${filter}'`);
    const field = m.date !== undefined ? 'Date' : kind.days;
    // S3 names the filter for the current-version actions only (both messages as users quote them from S3).
    const forFilter = kind === CURRENT ? ` for filter '${filter}'` : '';
    if (gapDays(m, expiration) <= 0) throw invalidArgument(`'${field}' in the ${kind.expiration} action${forFilter} must be greater than '${field}' in the ${kind.action} action`);
  }
}

const dateOf = (d: unknown): number | undefined => (given(d) ? new Date(d as string).getTime() : undefined);

function currentMoves(rule: S3.LifecycleRule): Move[] {
  return (rule.Transitions ?? []).map((t) => {
    // Days and Date are a choice in S3's schema: neither or both is not valid XML for it.
    if (given(t.Days) === given(t.Date) || !t.StorageClass) throw malformedXml();
    return { storageClass: t.StorageClass, days: given(t.Days) ? Number(t.Days) : undefined, date: dateOf(t.Date) };
  });
}

function noncurrentMoves(rule: S3.LifecycleRule): Move[] {
  return (rule.NoncurrentVersionTransitions ?? []).map((t) => {
    if (!given(t.NoncurrentDays) || !t.StorageClass) throw malformedXml();
    return { storageClass: t.StorageClass, days: Number(t.NoncurrentDays) };
  });
}

export function checkTransitions(rule: S3.LifecycleRule): void {
  const filter = filterText(rule);
  const current = currentMoves(rule);
  for (const m of current) checkMove(CURRENT, m);
  checkOrder(CURRENT, current, filter);
  const e = rule.Expiration;
  const expiration = e && (given(e.Days) || given(e.Date)) ? { storageClass: '', days: given(e.Days) ? Number(e.Days) : undefined, date: dateOf(e.Date) } : undefined;
  checkExpirationAfter(CURRENT, expiration, current, filter);

  const noncurrent = noncurrentMoves(rule);
  for (const m of noncurrent) checkMove(NONCURRENT, m);
  checkOrder(NONCURRENT, noncurrent, filter);
  const nce = rule.NoncurrentVersionExpiration?.NoncurrentDays;
  checkExpirationAfter(NONCURRENT, given(nce) ? { storageClass: '', days: Number(nce) } : undefined, noncurrent, filter);
}
