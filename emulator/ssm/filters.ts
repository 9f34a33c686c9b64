import { AwsError, constraintViolation } from '../core/errors';
import { checkPath } from './names';
import { latest, TYPES, type StoredParameter } from './parameters';

/**
 * ParameterFilters (DescribeParameters, GetParametersByPath) and the older Filters of DescribeParameters.
 * AWS: DescribeParameters takes every key but Label; GetParametersByPath only Type, KeyId and Label.
 * Options: Path takes Recursive / OneLevel; Name Equals / BeginsWith / Contains; the others Equals / BeginsWith.
 */
export interface ParameterStringFilter {
  Key?: string;
  Option?: string;
  Values?: string[];
}

type Use = 'describe' | 'by-path';
const KEYS: Record<Use, string[]> = {
  describe: ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType'],
  'by-path': ['Type', 'KeyId', 'Label'],
};
const VALUES: Record<string, string[]> = { Type: TYPES, Tier: ['Standard', 'Advanced', 'Intelligent-Tiering'] };

const invalidKey = (key: string, use: Use) =>
  new AwsError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [${KEYS[use].join(', ')}${use === 'describe' ? ', tag' : ''}].`, 400);

export function checkFilters(filters: ParameterStringFilter[] | undefined, use: Use): void {
  const seen = new Set<string>();
  (filters ?? []).forEach((f, i) => {
    const key = f.Key;
    if (key === undefined) throw constraintViolation('ValidationException', `parameterFilters.${i + 1}.member.key`, undefined, 'Member must not be null');
    if (key.length < 1 || key.length > 132) {
      throw constraintViolation('ValidationException', `parameterFilters.${i + 1}.member.key`, key, 'Member must have length less than or equal to 132');
    }
    const isTag = key.startsWith('tag:') && key.length > 4;
    if (!(isTag && use === 'describe') && !KEYS[use].includes(key)) throw invalidKey(key, use);
    if (seen.has(key)) {
      throw new AwsError('InvalidFilterKey', `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`, 400);
    }
    seen.add(key);
    const values = f.Values ?? [];
    if (values.length > 50) throw constraintViolation('ValidationException', `parameterFilters.${i + 1}.member.values`, values, 'Member must have length less than or equal to 50');
    if (values.some((v) => v.length < 1 || v.length > 1024)) {
      throw constraintViolation('ValidationException', `parameterFilters.${i + 1}.member.values`, values, 'Member must have length less than or equal to 1024');
    }
    if (!isTag && values.length === 0) {
      throw new AwsError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`, 400);
    }
    const allowed = key === 'Path' ? ['Recursive', 'OneLevel'] : key === 'Name' ? ['BeginsWith', 'Equals', 'Contains'] : key === 'Label' ? ['Equals'] : ['BeginsWith', 'Equals'];
    if (f.Option !== undefined && !allowed.includes(f.Option)) {
      throw new AwsError('InvalidFilterOption', `The following filter option is not valid: ${f.Option}. Valid options include: [${allowed.join(', ')}].`, 400);
    }
    const valid = VALUES[key];
    const wrong = valid && values.find((v) => !valid.includes(v));
    if (wrong) throw new AwsError('InvalidFilterValue', `The following filter value is not valid: ${wrong}. Valid values include: [${valid!.join(', ')}].`, 400);
    if (key === 'Path') values.forEach(checkPath);
  });
}

const withSlash = (name: string) => (name.startsWith('/') ? name : `/${name}`);
const parentOf = (name: string) => {
  const full = withSlash(name);
  return full.slice(0, full.lastIndexOf('/')) || '/';
};

function compare(actual: string | undefined, values: string[], option: string): boolean {
  if (actual === undefined) return false;
  if (option === 'BeginsWith') return values.some((v) => actual.startsWith(v));
  if (option === 'Contains') return values.some((v) => actual.includes(v));
  return values.includes(actual);
}

export function matchesFilters(p: StoredParameter, filters: ParameterStringFilter[] | undefined): boolean {
  const v = latest(p);
  return (filters ?? []).every((f) => {
    const values = f.Values ?? [];
    const key = f.Key!;
    if (key === 'Path') {
      const paths = values.map((x) => (x.length > 1 ? x.replace(/\/+$/, '') : x));
      if ((f.Option ?? 'OneLevel') === 'Recursive') return paths.some((path) => path === '/' || withSlash(p.Name).startsWith(`${path}/`));
      return paths.includes(parentOf(p.Name));
    }
    if (key === 'Name') {
      const option = f.Option ?? 'Equals';
      // "/a" and "a" name the same thing to this filter, as on AWS.
      return option === 'Contains' ? compare(p.Name, values, option) : compare(withSlash(p.Name), values.map(withSlash), option);
    }
    if (key === 'Label') return p.versions.some((ver) => ver.Labels.some((l) => values.includes(l)));
    if (key.startsWith('tag:')) {
      const tag = p.Tags.find((t) => t.Key === key.slice(4));
      return tag !== undefined && (values.length === 0 || compare(tag.Value, values, f.Option ?? 'Equals'));
    }
    const actual = key === 'Type' ? v.Type : key === 'KeyId' ? v.KeyId : key === 'Tier' ? v.Tier : key === 'DataType' ? v.DataType : undefined;
    return compare(actual, values, f.Option ?? 'Equals');
  });
}

/** DescribeParameters' older Filters: Name (begins with), Type, KeyId. */
export interface ParametersFilter {
  Key?: string;
  Values?: string[];
}
export function matchesOldFilters(p: StoredParameter, filters: ParametersFilter[] | undefined): boolean {
  const v = latest(p);
  return (filters ?? []).every((f) => {
    const values = f.Values ?? [];
    if (f.Key === 'Name') return values.some((x) => p.Name.startsWith(x));
    if (f.Key === 'Type') return values.includes(v.Type);
    if (f.Key === 'KeyId') return v.KeyId !== undefined && values.includes(v.KeyId);
    throw constraintViolation('ValidationException', 'filters.member.key', f.Key, 'Member must satisfy enum value set: [Name, Type, KeyId]');
  });
}

/**
 * NextToken/MaxResults paging over a sorted list. The token names the last item handed out (opaque to
 * clients), so a page stays right when parameters are added or removed between calls.
 */
export function page<T>(items: T[], keyOf: (item: T) => string, input: { MaxResults?: number; NextToken?: string }, max: number): { items: T[]; NextToken?: string } {
  const size = input.MaxResults ?? max;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw constraintViolation(
      'ValidationException',
      'maxResults',
      size,
      size < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${max}`,
    );
  }
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = Buffer.from(input.NextToken, 'base64url').toString();
    if (!decoded.startsWith('ssm-page:')) throw new AwsError('InvalidNextToken', 'The specified token isn\'t valid.', 400);
    const after = decoded.slice('ssm-page:'.length);
    const at = items.findIndex((item) => keyOf(item) > after);
    start = at < 0 ? items.length : at;
  }
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, NextToken: Buffer.from(`ssm-page:${keyOf(slice[slice.length - 1]!)}`).toString('base64url') } : { items: slice };
}
