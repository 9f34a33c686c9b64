/**
 * Where the data processor writes the report for one object version.
 *
 * Scheme (key = the decoded object key):
 *   - no version ID (unversioned bucket):  `reports/<key>.json`
 *   - with a version ID:                   `reports/<key>@<encodeURIComponent(versionId)>.json`
 *
 * The key is a pure function of (key, versionId), so a duplicate delivery of the same event (SQS is
 * at-least-once, Lambda async retries) overwrites the same report instead of adding a second one,
 * while two versions of one key get two reports. In an unversioned bucket an overwrite replaces the
 * object, and its report replaces the previous report.
 *
 * Why `@` cannot collide: only keys ending in `.csv`/`.json` get reports, and `<key>@<versionId>`
 * ends in the version ID, so an unversioned object named like another's `<key>@<versionId>` would
 * need a version ID ending in `.csv`/`.json` — S3 version IDs never do. The version ID is
 * URI-encoded so it can never add a `/` (a folder level) to the report key.
 *
 * Reports are keyed by object key only, not by source bucket: with a REPORT_BUCKET shared by several
 * source buckets, equal keys from different buckets share a report key.
 */
export const REPORT_PREFIX = 'reports/';

export function reportKeyFor(key: string, versionId?: string | null): string {
  return versionId
    ? `${REPORT_PREFIX}${key}@${encodeURIComponent(versionId)}.json`
    : `${REPORT_PREFIX}${key}.json`;
}
