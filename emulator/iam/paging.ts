import { AwsError, constraintViolation } from '../core/errors';
import { offsetPage } from '../core/paging';

/**
 * IAM's Marker/MaxItems paging (default 100 items, at most 1,000). The marker is the position of the next item,
 * opaque to clients as IAM's own is; a marker this emulator did not hand out is refused.
 */
export function page<T>(items: T[], input: { Marker?: string; MaxItems?: number }): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = input.MaxItems ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw constraintViolation('ValidationError', 'maxItems', String(max), max < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 1000');
  }
  const { items: slice, next } = offsetPage(items, input.Marker, max, 'iam-page', () => new AwsError('InvalidInput', 'Invalid Marker.', 400));
  return next ? { items: slice, IsTruncated: true, Marker: next } : { items: slice, IsTruncated: false };
}
