import type * as S3 from '@aws-sdk/client-s3';
import type { IncomingHttpHeaders } from 'node:http';
import { addDays } from '../core/calendar';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { header } from './body';
import { invalidArgument, malformedXml } from './errors';
import { versionTarget } from './object-read';
import { getBucket, type Out, type S3State } from './state';
import type { Bucket, LegalHoldStatus, ObjectLockRequest, ObjectRetention, ObjectVersion, RetentionMode } from './store';

/**
 * Object Lock, enforced: per-version retention (GOVERNANCE / COMPLIANCE until a date) and legal holds, set by
 * the x-amz-object-lock-* headers of a write, by the bucket's default retention, or by Put/GetObjectRetention and
 * Put/GetObjectLegalHold. A locked version cannot be deleted by version id (a delete without one only adds a
 * delete marker, as on S3), and a COMPLIANCE retention cannot be shortened or removed while it runs. Dates follow
 * the emulator's clock.
 */

const MODES = new Set<string>(['GOVERNANCE', 'COMPLIANCE']);
const HOLDS = new Set<string>(['ON', 'OFF']);

export const missingLockConfiguration = (): AwsError => new AwsError('InvalidRequest', 'Bucket is missing Object Lock Configuration', 400);

const protectedByLock = (): AwsError => new AwsError('AccessDenied', 'Access Denied because object protected by object lock.', 403);

const noLockConfiguration = (): AwsError =>
  new AwsError('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration', 404);

/** S3 names a past retain-until date as Java prints it, in Pacific time (`Tue Dec 31 16:00:00 PST 2019`). */
function pacificDate(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      weekday: 'short',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      year: 'numeric',
      timeZoneName: 'short',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.month} ${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName} ${parts.year}`;
}

const pastDate = (ms: number, argumentName: string): AwsError =>
  invalidArgument('The retain until date must be in the future!', argumentName, pacificDate(ms));

const lockEnabled = (bucket: Bucket): boolean => bucket.objectLock?.ObjectLockEnabled === 'Enabled';

/** The lock headers of PutObject, CopyObject and CreateMultipartUpload, as the SDK input names them. */
export interface LockHeaders {
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
}

const hasLockHeaders = (input: LockHeaders): boolean =>
  input.ObjectLockMode !== undefined || input.ObjectLockRetainUntilDate !== undefined || input.ObjectLockLegalHoldStatus !== undefined;

/** Validates a write's lock headers (S3's order and messages); what they ask for, without the bucket default. */
export function lockRequestOf(bucket: Bucket, input: LockHeaders, now: number): ObjectLockRequest | undefined {
  if (!hasLockHeaders(input)) return undefined;
  if (!lockEnabled(bucket)) throw missingLockConfiguration();
  const mode = input.ObjectLockMode;
  const until = input.ObjectLockRetainUntilDate;
  if ((mode === undefined) !== (until === undefined)) {
    throw invalidArgument(
      'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      mode === undefined ? 'x-amz-object-lock-mode' : 'x-amz-object-lock-retain-until-date',
    );
  }
  const request: ObjectLockRequest = {};
  if (mode !== undefined && until !== undefined) {
    if (!MODES.has(mode)) throw invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', mode);
    if (until.getTime() <= now) throw pastDate(until.getTime(), 'x-amz-object-lock-retain-until-date');
    request.retention = { mode: mode as RetentionMode, until: until.getTime() };
  }
  const hold = input.ObjectLockLegalHoldStatus;
  if (hold !== undefined) {
    if (!HOLDS.has(hold)) throw invalidArgument("Legal Hold must be either of 'ON' or 'OFF'", 'x-amz-object-lock-legal-hold', hold);
    request.legalHold = hold as LegalHoldStatus;
  }
  return request;
}

/**
 * The bucket's default retention for a version created at `created`: Days of 24 hours, or calendar Years
 * (as S3 adds them). Undefined when the bucket has none.
 */
export function defaultRetention(bucket: Bucket, created: number): ObjectRetention | undefined {
  const d = bucket.objectLock?.Rule?.DefaultRetention;
  if (!d?.Mode) return undefined;
  if (d.Days !== undefined) return { mode: d.Mode, until: addDays(created, d.Days) };
  if (d.Years === undefined) return undefined;
  const date = new Date(created);
  date.setUTCFullYear(date.getUTCFullYear() + d.Years);
  return { mode: d.Mode, until: date.getTime() };
}

/** The lock members of a new version: what the write asked for, else the bucket's default retention. */
export function lockForNewVersion(bucket: Bucket, request: ObjectLockRequest | undefined, created: number): Partial<ObjectVersion> {
  const retention = request?.retention ?? defaultRetention(bucket, created);
  return { ...(retention ? { retention } : {}), ...(request?.legalHold ? { legalHold: request.legalHold } : {}) };
}

/**
 * PutObject with Object Lock parameters (its own headers, or a bucket default retention that will apply) must
 * carry Content-MD5 or a flexible checksum (header, trailer or x-amz-sdk-checksum-algorithm); checked before the
 * body is read, as S3 refuses the request up front.
 */
export function assertLockedPutHasIntegrity(bucket: Bucket, input: LockHeaders & { ContentMD5?: string }, headers: IncomingHttpHeaders): void {
  const locked = (hasLockHeaders(input) && lockEnabled(bucket)) || bucket.objectLock?.Rule?.DefaultRetention?.Mode !== undefined;
  if (!locked) return;
  if (input.ContentMD5 !== undefined || header(headers, 'content-md5') !== undefined) return;
  if (header(headers, 'x-amz-sdk-checksum-algorithm') !== undefined) return;
  if (header(headers, 'x-amz-trailer')?.toLowerCase().includes('x-amz-checksum-')) return;
  if (Object.keys(headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-type')) return;
  throw new AwsError('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', 400);
}

/** x-amz-bypass-governance-retention is refused on a bucket without Object Lock. */
export function assertBypassApplicable(bucket: Bucket, bypass: boolean | undefined): void {
  if (bypass !== undefined && !lockEnabled(bucket)) {
    throw invalidArgument('x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.', 'x-amz-bypass-governance-retention');
  }
}

const retentionRuns = (r: ObjectRetention | undefined, now: number): r is ObjectRetention => r !== undefined && r.until > now;

/** Permanently deleting a version: refused under a legal hold, or a running retention (GOVERNANCE unless bypassed). */
export function assertVersionDeletable(v: ObjectVersion, bypassGovernance: boolean, now: number): void {
  if (v.legalHold === 'ON') throw protectedByLock();
  if (retentionRuns(v.retention, now) && (v.retention.mode === 'COMPLIANCE' || !bypassGovernance)) throw protectedByLock();
}

export function objectLockOperations(state: S3State) {
  /** The version a lock operation reads or changes, on a bucket with Object Lock. */
  function lockedTarget(input: { Bucket?: string; Key?: string; VersionId?: string }, method: string) {
    if (!lockEnabled(getBucket(state, input.Bucket))) throw missingLockConfiguration();
    return versionTarget(state, input, method);
  }

  return {
    /**
     * Sets or (with an empty Retention) removes a version's retention. While a retention runs, shortening it,
     * removing it or turning COMPLIANCE into GOVERNANCE is refused, unless it is GOVERNANCE and the request
     * bypasses governance; extending it is always allowed.
     */
    async PutObjectRetention(input: S3.PutObjectRetentionCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutObjectRetentionCommandOutput>> {
      const { version } = lockedTarget(input, 'PUT');
      const r = input.Retention;
      const remove = !r || (r.Mode === undefined && r.RetainUntilDate === undefined);
      if (!remove && (!r.Mode || !MODES.has(r.Mode) || !r.RetainUntilDate)) throw malformedXml();
      const now = state.deps.clock.now();
      if (!remove && r.RetainUntilDate!.getTime() < now) throw pastDate(r.RetainUntilDate!.getTime(), 'RetainUntilDate');
      const current = version.retention;
      if (retentionRuns(current, now)) {
        const reducing = remove || r.RetainUntilDate!.getTime() < current.until || (current.mode === 'COMPLIANCE' && r.Mode === 'GOVERNANCE');
        if (reducing && (current.mode === 'COMPLIANCE' || !input.BypassGovernanceRetention)) throw protectedByLock();
      }
      if (remove) delete version.retention;
      else version.retention = { mode: r.Mode as RetentionMode, until: r.RetainUntilDate!.getTime() };
      return {};
    },

    async GetObjectRetention(input: S3.GetObjectRetentionCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectRetentionCommandOutput>> {
      const { version } = lockedTarget(input, 'GET');
      if (!version.retention) throw noLockConfiguration();
      return { Retention: { Mode: version.retention.mode, RetainUntilDate: new Date(version.retention.until) } };
    },

    async PutObjectLegalHold(input: S3.PutObjectLegalHoldCommandInput, _ctx?: RequestContext): Promise<Out<S3.PutObjectLegalHoldCommandOutput>> {
      if (!input.LegalHold) throw malformedXml();
      const { version } = lockedTarget(input, 'PUT');
      const status = input.LegalHold.Status;
      if (!status || !HOLDS.has(status)) throw malformedXml();
      version.legalHold = status as LegalHoldStatus;
      return {};
    },

    async GetObjectLegalHold(input: S3.GetObjectLegalHoldCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetObjectLegalHoldCommandOutput>> {
      const { version } = lockedTarget(input, 'GET');
      if (!version.legalHold) throw noLockConfiguration();
      return { LegalHold: { Status: version.legalHold } };
    },
  };
}
