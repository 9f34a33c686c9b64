import type { Bucket, MultipartUpload, ObjectVersion } from '../store';
import { currentExpiry, uploadAbort } from './rules';

/**
 * What S3 tells a client about lifecycle in responses: `x-amz-expiration` (the SDK's `Expiration`) on object writes and
 * reads — `expiry-date="<RFC 1123 date>", rule-id="<URL-encoded rule id>"` — and `x-amz-abort-date` /
 * `x-amz-abort-rule-id` on CreateMultipartUpload and ListParts. Only a current version has an expiry date.
 */
export function expirationHeader(bucket: Bucket, v: ObjectVersion | undefined): string | undefined {
  if (!v || v.isDeleteMarker || bucket.objects.get(v.key)?.versions[0] !== v) return undefined;
  const due = currentExpiry(bucket, v);
  return due && `expiry-date="${new Date(due.at).toUTCString()}", rule-id="${encodeURIComponent(due.ruleId)}"`;
}

export function abortHeaders(bucket: Bucket, upload: MultipartUpload | undefined): { AbortDate?: Date; AbortRuleId?: string } {
  const due = upload && uploadAbort(bucket, upload);
  return due ? { AbortDate: new Date(due.at), AbortRuleId: due.ruleId } : {};
}
