import type * as SM from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { inRange, invalidParameter } from './errors';
import type { Secret } from './secrets';

/** ListSecrets / BatchGetSecretValue filters, sorting and paging. */

const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);
const VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

export function checkFilters(filters: SM.Filter[] | undefined): void {
  for (const f of filters ?? []) {
    if (!f.Key || !FILTER_KEYS.has(f.Key)) {
      throw new AwsError('ValidationException', `1 validation error detected: Value ${f.Key === undefined ? 'null' : `'${f.Key}'`} at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]`, 400);
    }
    const values = f.Values ?? [];
    if (values.length < 1 || values.length > 10) throw invalidParameter('Invalid filter values: a filter takes between 1 and 10 values.');
    for (const v of values) if (v.length > 512 || !VALUE.test(v)) throw invalidParameter(`Invalid filter values: ${v}`);
  }
}

/** The strings a filter key looks at, and whether it ignores case. */
function attributes(s: Secret, key: string, region: string): { values: string[]; ignoreCase: boolean } {
  switch (key) {
    case 'name':
      return { values: [s.name], ignoreCase: false };
    case 'description':
      return { values: s.description ? [s.description] : [], ignoreCase: true };
    case 'tag-key':
      return { values: s.tags.map((t) => t.Key), ignoreCase: false };
    case 'tag-value':
      return { values: s.tags.map((t) => t.Value), ignoreCase: false };
    case 'primary-region':
      return { values: [region], ignoreCase: false };
    case 'owning-service':
      return { values: s.owningService ? [s.owningService] : [], ignoreCase: false };
    default: {
      // `all`: every attribute, split into words.
      const text = [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.Key, t.Value])];
      return { values: text.flatMap((t) => [t, ...t.split(/[^A-Za-z0-9]+/)]).filter(Boolean), ignoreCase: true };
    }
  }
}

function matchesValue(s: Secret, key: string, value: string, region: string): boolean {
  const { values, ignoreCase } = attributes(s, key, region);
  if (key === 'all') {
    // Every word of the value must prefix some attribute word.
    const words = value.toLowerCase().split(/\s+/).filter(Boolean);
    const lower = values.map((v) => v.toLowerCase());
    return words.every((w) => lower.some((v) => v.startsWith(w)));
  }
  return values.some((v) => (ignoreCase ? v.toLowerCase().startsWith(value.toLowerCase()) : v.startsWith(value)));
}

/** Filters are ANDed; a filter's plain values are ORed; `!value` excludes what it matches. */
export function matchesFilters(s: Secret, filters: SM.Filter[] | undefined, region: string): boolean {
  for (const f of filters ?? []) {
    const values = f.Values ?? [];
    const positive = values.filter((v) => !v.startsWith('!'));
    const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    if (positive.length && !positive.some((v) => matchesValue(s, f.Key!, v, region))) return false;
    if (negative.some((v) => matchesValue(s, f.Key!, v, region))) return false;
  }
  return true;
}

export function sortSecrets(secrets: Secret[], sortBy: string | undefined, order: string | undefined): Secret[] {
  if (order !== undefined && order !== 'asc' && order !== 'desc') {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${order}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]`, 400);
  }
  const key: (s: Secret) => number | string = (() => {
    switch (sortBy ?? 'created-date') {
      case 'created-date':
        return (s: Secret) => s.created;
      case 'last-accessed-date':
        return (s: Secret) => s.lastAccessed ?? 0;
      case 'last-changed-date':
        return (s: Secret) => s.lastChanged;
      case 'name':
        return (s: Secret) => s.name;
      default:
        throw new AwsError('ValidationException', `1 validation error detected: Value '${sortBy}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]`, 400);
    }
  })();
  const sign = (order ?? 'desc') === 'asc' ? 1 : -1;
  // Map order (creation order) breaks ties, so pages are stable.
  return secrets
    .map((s, i) => ({ s, i }))
    .sort((a, b) => {
      const ka = key(a.s);
      const kb = key(b.s);
      return (ka < kb ? -1 : ka > kb ? 1 : 0) * sign || (a.i - b.i) * sign;
    })
    .map((x) => x.s);
}

/** One page of `items`; NextToken is the offset of the next page, opaque to clients. */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, fallback = 100): { items: T[]; NextToken?: string } {
  inRange(maxResults, 'maxResults', 1, 100);
  const { items: slice, next } = offsetPage(items, nextToken, maxResults ?? fallback, 'o', () => new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.', 400));
  return next ? { items: slice, NextToken: next } : { items: slice };
}
