import { AwsError } from '../core/errors';
import { offsetPage as page } from '../core/paging';

/** One page of a Lambda list (ListVersionsByFunction, ListAliases, ListFunctionUrlConfigs…) behind its opaque Marker. */
export function offsetPage<T>(all: T[], marker: string | undefined, size: number): { page: T[]; nextMarker?: string } {
  const { items, next } = page(all, marker, size, 'lambda-page', () => new AwsError('InvalidParameterValueException', 'Invalid marker', 400));
  return next ? { page: items, nextMarker: next } : { page: items };
}
