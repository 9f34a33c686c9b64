import { invalidParameter } from './validation';

/** SNS list operations return 100 items per page with an opaque NextToken. */
export const PAGE_SIZE = 100;

const encode = (offset: number) => Buffer.from(`sns-page:${offset}`).toString('base64');

function decode(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const m = /^sns-page:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!m) throw invalidParameter('NextToken');
  return Number(m[1]);
}

export function page<T>(items: T[], nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = decode(nextToken);
  const slice = items.slice(start, start + PAGE_SIZE);
  const end = start + slice.length;
  return end < items.length ? { items: slice, nextToken: encode(end) } : { items: slice };
}
