import { AwsError } from '../core/errors';
import { randomHex } from '../core/ids';
import { parseFunctionRef, unqualifiedArn, type Scope } from './names';
import type { PolicyStatement } from './permissions';
import type { EventInvokeConfig, FunctionAlias, FunctionConfig, FunctionVersion, LambdaCore, LambdaFunction } from './state';

/**
 * Where every operation that takes a qualifier looks its target up: a function plus `$LATEST`, a published
 * version or an alias, from `Qualifier` or the `name:qualifier` / qualified-ARN suffix.
 */

export const LATEST = '$LATEST';
export const VERSION_NUMBER = /^[0-9]+$/;

export function notFound(arn: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404, { Type: 'User' });
}

/** A function as a request names it. */
export interface Target {
  fn: LambdaFunction;
  /** The qualifier as given (`$LATEST`, a number or an alias name); undefined when unqualified. */
  qualifier?: string;
  /** The version it names: `$LATEST` or a number (for an alias, its primary version). */
  version: string;
  /** That version's configuration: the function itself for `$LATEST`. */
  config: FunctionConfig;
  published?: FunctionVersion;
  alias?: FunctionAlias;
  /** The ARN as named: unqualified, or with the qualifier. */
  arn: string;
}

/** One invocation's choice: the version that runs, and the ARN the function sees as invoked. */
export interface RunTarget {
  fn: LambdaFunction;
  version: string;
  config: FunctionConfig;
  invokedArn: string;
}

/** The function a qualifier of `fn` names; 404 with the qualified ARN when there is no such version or alias. */
export function qualify(fn: LambdaFunction, qualifier: string | undefined): Target {
  if (qualifier === undefined) return { fn, version: LATEST, config: fn, arn: fn.arn };
  const arn = `${fn.arn}:${qualifier}`;
  if (qualifier === LATEST) return { fn, qualifier, version: LATEST, config: fn, arn };
  if (VERSION_NUMBER.test(qualifier)) {
    const published = fn.versions.get(qualifier);
    if (!published) throw notFound(arn);
    return { fn, qualifier, version: qualifier, config: published, published, arn };
  }
  const alias = fn.aliases.get(qualifier);
  if (!alias) throw notFound(arn);
  const primary = alias.functionVersion === LATEST ? undefined : fn.versions.get(alias.functionVersion);
  return { fn, qualifier, version: alias.functionVersion, config: primary ?? fn, published: primary, alias, arn };
}

/** A request's FunctionName (+ Qualifier) → its target. */
export function resolve(core: LambdaCore, ref: string | undefined, scope: Scope, qualifier?: string): Target {
  const parsed = parseFunctionRef(ref, scope, qualifier);
  const fn = core.functions.get(parsed.arn);
  if (!fn) throw notFound(parsed.qualifier !== undefined ? `${parsed.arn}:${parsed.qualifier}` : parsed.arn);
  return qualify(fn, parsed.qualifier);
}

/** The qualifier of a full function ARN (`…:function:name:qualifier`), if it has one. */
export const qualifierOf = (arn: string): string | undefined => arn.split(':')[7];

/** An ARN handed over by the bus or stored in a mapping → its target. */
export function resolveArn(core: LambdaCore, arn: string): Target {
  const fn = core.functions.get(unqualifiedArn(arn));
  if (!fn) throw notFound(arn);
  return qualify(fn, qualifierOf(arn));
}

/** Lambda's rule for an alias with routing: the additional version gets its weight's share of invocations. */
export function pickVersion(t: Target): RunTarget {
  const base = { fn: t.fn, invokedArn: t.arn };
  const extra = t.alias?.weights ? Object.entries(t.alias.weights)[0] : undefined;
  if (extra) {
    const [version, weight] = extra;
    const other = t.fn.versions.get(version);
    // Drawn from the emulator's random source, which follows the seed: a seeded run routes alike every time.
    if (other && weight > 0 && randomFraction() < weight) return { ...base, version, config: other };
  }
  return { ...base, version: t.version, config: t.config };
}

function randomFraction(): number {
  return parseInt(randomHex(4), 16) / 0x1_0000_0000;
}

/** Whose resource policy a qualified request reads and writes (each alias and version has its own). */
export function policyHolder(t: Target): { policy: PolicyStatement[]; revisionId: string } {
  return t.alias ?? t.published ?? t.fn;
}

/** Whose asynchronous invocation settings apply (each alias and version has its own, as on AWS). */
export function invokeConfigHolder(t: Target): { eventInvokeConfig?: EventInvokeConfig } {
  return t.alias ?? t.published ?? t.fn;
}
