import type { AwsError } from './errors';

/**
 * Paging behind an opaque token: base64 of `<kind>:<offset of the next page>`. Clients treat it as opaque, as they
 * must AWS's; a token this list did not hand out is refused with the service's own error.
 */
export const pageToken = (kind: string, offset: number): string => Buffer.from(`${kind}:${offset}`).toString('base64');

/** The offset a token names (0 for none). */
export function tokenOffset(kind: string, token: string | undefined, invalid: () => AwsError): number {
  if (!token) return 0;
  const text = Buffer.from(token, 'base64').toString('utf8');
  const offset = text.startsWith(`${kind}:`) ? text.slice(kind.length + 1) : '';
  if (!/^\d+$/.test(offset)) throw invalid();
  return Number(offset);
}

/** One page of `items` from a token, with the next page's token while more remain. */
export function offsetPage<T>(items: T[], token: string | undefined, size: number, kind: string, invalid: () => AwsError): { items: T[]; next?: string } {
  const start = tokenOffset(kind, token, invalid);
  const end = start + size;
  return end < items.length ? { items: items.slice(start, end), next: pageToken(kind, end) } : { items: items.slice(start) };
}
