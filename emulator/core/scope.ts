import type { RequestContext } from './context';
import { parseArn } from './ids';

/**
 * Whose resource: most AWS resources belong to one account and Region. Services that keep them in maps keyed by
 * name key them `<account>:<region>/<name>`, so that the same name can exist in two Regions and a Region lists
 * only its own.
 */
export type Scope = Pick<RequestContext, 'region' | 'accountId'>;

export const keyIn = (scope: Scope, name: string): string => `${scope.accountId}:${scope.region}/${name}`;

/** keyIn read back: the scope and the name of a key (an account id and a Region hold no `:` or `/`). */
export function splitKey(key: string): { scope: Scope; name: string } | undefined {
  const slash = key.indexOf('/');
  const colon = key.indexOf(':');
  if (slash < 0 || colon < 0 || colon > slash) return undefined;
  return { scope: { accountId: key.slice(0, colon), region: key.slice(colon + 1, slash) }, name: key.slice(slash + 1) };
}

export const sameScope = (a: Scope, b: Scope): boolean => a.region === b.region && a.accountId === b.accountId;

/** The values of `map` (keyed by keyIn) that belong to `scope`. */
export function valuesIn<T>(map: Map<string, T>, scope: Scope): T[] {
  const prefix = keyIn(scope, '');
  const out: T[] = [];
  for (const [key, value] of map) if (key.startsWith(prefix)) out.push(value);
  return out;
}

/** The account and Region an ARN names (its own, not the caller's: a target may be another Region's resource). */
export function scopeOfArn(arn: string): Scope | undefined {
  const parsed = parseArn(arn);
  return parsed ? { region: parsed.region, accountId: parsed.accountId } : undefined;
}

/** Keys a restored map by scope, read from each value's ARN (data saved before a service scoped its resources was keyed by name). */
export function rekeyByScope<T>(map: Map<string, T>, arnOf: (t: T) => string, nameOf: (t: T) => string): void {
  const values = [...map.values()];
  map.clear();
  for (const v of values) {
    const scope = scopeOfArn(arnOf(v));
    if (scope) map.set(keyIn(scope, nameOf(v)), v);
  }
}
