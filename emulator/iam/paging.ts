import { AwsError, constraintViolation } from '../core/errors';

/**
 * IAM's Marker/MaxItems paging (default 100 items, at most 1,000). The marker is the position of the next item,
 * opaque to clients as IAM's own is; a marker this emulator did not hand out is refused.
 */
export function page<T>(items: T[], input: { Marker?: string; MaxItems?: number }): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = input.MaxItems ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw constraintViolation('ValidationError', 'maxItems', String(max), max < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 1000');
  }
  const start = input.Marker === undefined ? 0 : decodeMarker(input.Marker);
  const end = start + max;
  return end < items.length
    ? { items: items.slice(start, end), IsTruncated: true, Marker: Buffer.from(`iam-page:${end}`).toString('base64') }
    : { items: items.slice(start), IsTruncated: false };
}

function decodeMarker(marker: string): number {
  const match = /^iam-page:(\d+)$/.exec(Buffer.from(marker, 'base64').toString());
  if (!match) throw new AwsError('InvalidInput', 'Invalid Marker.', 400);
  return Number(match[1]);
}
