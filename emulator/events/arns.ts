import { parseArn } from '../core/ids';
import { keyIn, scopeOfArn } from '../core/scope';

/**
 * How EventBridge resources are found by ARN: `arn:…:events:<region>:<account>:<kind>/<path>`. One place for it,
 * so buses, rules, connections and API destinations read their ARNs alike.
 */

/** The resource path after `<kind>/` in an EventBridge ARN, or undefined if the ARN is not of that kind. */
export function pathInArn(arn: string | undefined, kind: string): string | undefined {
  const parsed = parseArn(arn ?? '');
  if (parsed?.service !== 'events' || !parsed.resource.startsWith(`${kind}/`)) return undefined;
  return parsed.resource.slice(kind.length + 1) || undefined;
}

/** The name in an ARN of a resource known by `<kind>/<name>/<id>` (a connection, an API destination). */
export const nameInArn = (arn: string | undefined, kind: string): string | undefined => pathInArn(arn, kind)?.split('/')[0];

/**
 * The resource of `map` (keyed by scope and name, core/scope.ts) that `arn` names: `<kind>/<name>/<id>` in the ARN's
 * account and Region, the whole ARN matching, since a connection or API destination created again under the same
 * name has a new id.
 */
export function findByArn<T>(map: Map<string, T>, arn: string | undefined, kind: string, arnOf: (t: T) => string): T | undefined {
  const name = nameInArn(arn, kind);
  const scope = scopeOfArn(arn ?? '');
  const found = name && scope ? map.get(keyIn(scope, name)) : undefined;
  return found && arnOf(found) === arn ? found : undefined;
}
