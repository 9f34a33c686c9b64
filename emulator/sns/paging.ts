import { offsetPage } from '../core/paging';
import { invalidParameter } from './validation';

/** SNS list operations return 100 items per page with an opaque NextToken. */
export const PAGE_SIZE = 100;

export function page<T>(items: T[], nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const { items: slice, next } = offsetPage(items, nextToken, PAGE_SIZE, 'sns-page', () => invalidParameter('NextToken'));
  return next ? { items: slice, nextToken: next } : { items: slice };
}
