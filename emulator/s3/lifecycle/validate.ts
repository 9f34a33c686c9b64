import type * as S3 from '@aws-sdk/client-s3';
import { isMidnight } from '../../core/calendar';
import { invalidArgument, invalidRequest, malformedXml } from '../errors';
import { checkTransitions } from './validate-transitions';

/**
 * The checks PutBucketLifecycleConfiguration makes before it stores anything (S3 API reference, LifecycleExpiration
 * and LifecycleRule; error codes as S3 answers them): Expiration holds one of Days, Date, ExpiredObjectDeleteMarker
 * (two of them are a schema error, MalformedXML), counts of days are positive, a Date is a midnight UTC, rule IDs are
 * unique, every rule has an action, and tag filters do not go with the two actions that ignore tags; the transitions'
 * minimum days and order are checked in validate-transitions.ts.
 */

/** A count of days as S3 reads it: a whole number above zero. */
const positive = (n: unknown): boolean => Number.isInteger(Number(n)) && Number(n) > 0;

function hasTagFilter(rule: S3.LifecycleRule): boolean {
  const f = rule.Filter as (S3.LifecycleRuleFilter & { And?: S3.LifecycleRuleAndOperator }) | undefined;
  return Boolean(f?.Tag || f?.And?.Tags?.length);
}

function checkExpiration(rule: S3.LifecycleRule): void {
  const e = rule.Expiration;
  if (!e) return;
  const given = [e.Days, e.Date, e.ExpiredObjectDeleteMarker].filter((x) => x !== undefined && x !== null).length;
  if (given !== 1) throw malformedXml();
  if (e.Days !== undefined && !positive(e.Days)) throw invalidArgument("'Days' for Expiration action must be a positive integer");
  if (e.Date !== undefined && !isMidnight(new Date(e.Date).getTime())) throw invalidArgument("'Date' must be at midnight GMT");
  if (e.ExpiredObjectDeleteMarker !== undefined && hasTagFilter(rule)) throw invalidRequest('ExpiredObjectDeleteMarker cannot be specified with Tags.');
}

function checkRule(rule: S3.LifecycleRule): void {
  if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') throw malformedXml();
  if (rule.ID !== undefined && rule.ID.length > 255) throw invalidArgument('ID length should not exceed allowed limit of 255');
  checkExpiration(rule);
  const nce = rule.NoncurrentVersionExpiration;
  if (nce && !positive(nce.NoncurrentDays)) throw invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  if (nce?.NewerNoncurrentVersions !== undefined && !positive(nce.NewerNoncurrentVersions)) throw invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer");
  const abort = rule.AbortIncompleteMultipartUpload;
  if (abort && !positive(abort.DaysAfterInitiation)) throw invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
  if (abort && hasTagFilter(rule)) throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Tags.');
  const actions = [rule.Expiration, nce, abort, rule.Transitions?.length, rule.NoncurrentVersionTransitions?.length];
  if (!actions.some(Boolean)) throw invalidRequest('At least one action needs to be specified in a rule');
  checkTransitions(rule);
}

export function validateLifecycleRules(rules: S3.LifecycleRule[]): void {
  const ids = new Set<string>();
  for (const rule of rules) {
    checkRule(rule);
    if (rule.ID === undefined) continue;
    if (ids.has(rule.ID)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', rule.ID);
    ids.add(rule.ID);
  }
}
