import type { RequestContext } from './context';
import { parseArn } from './ids';

/**
 * Whose resource: most AWS resources belong to one account and Region. Services that keep them in maps keyed by
 * name key them `<account>:<region>/<name>`, so that the same name can exist in two Regions and a Region lists
 * only its own.
 */
export type Scope = Pick<RequestContext, 'region' | 'accountId'>;

export const keyIn = (scope: Scope, name: string): string => `${scope.accountId}:${scope.region}/${name}`;

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
