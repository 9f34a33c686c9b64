import { AwsError, constraintViolation } from '../core/errors';

/** Where a request runs: the function ARNs it names are built in this region and account. */
export interface Scope {
  region: string;
  accountId: string;
}

export const functionArn = (s: Scope, name: string): string => `arn:aws:lambda:${s.region}:${s.accountId}:function:${name}`;
export const mappingArn = (s: Scope, uuid: string): string => `arn:aws:lambda:${s.region}:${s.accountId}:event-source-mapping:${uuid}`;

export interface FunctionRef {
  /** Unqualified function ARN (the key functions are stored under). */
  arn: string;
  name: string;
  /** `$LATEST`, a version number or an alias name, when the reference carries one. */
  qualifier?: string;
}

// The Invoke API's own pattern for FunctionName: a name, a partial ARN or a full ARN, each with an optional qualifier.
const FULL_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const NAME = /^([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/** Parses any form Lambda accepts for FunctionName (name, name:qualifier, partial or full ARN). */
export function parseFunctionRef(ref: string | undefined, scope: Scope, qualifier?: string): FunctionRef {
  if (!ref) throw validation('functionName', ref, 'Member must not be null');
  let region = scope.region;
  let accountId = scope.accountId;
  let name: string;
  let q: string | undefined;
  let m: RegExpExecArray | null;
  if ((m = FULL_ARN.exec(ref))) [, region, accountId, name, q] = m as unknown as [string, string, string, string, string?];
  else if ((m = PARTIAL_ARN.exec(ref))) [, accountId, name, q] = m as unknown as [string, string, string, string?];
  else if ((m = NAME.exec(ref))) [, name, q] = m as unknown as [string, string, string?];
  else {
    throw validation(
      'functionName',
      ref,
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  }
  if (name.length > 64) throw validation('functionName', ref, 'Member must have length less than or equal to 64');
  if (q !== undefined && qualifier !== undefined && q !== qualifier) {
    throw new AwsError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.', 400);
  }
  return { arn: functionArn({ region, accountId }, name), name, qualifier: q ?? qualifier };
}

/** Strips a `:$LATEST` (or other) qualifier from a function ARN given to the delivery bus. */
export function unqualifiedArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}

/** Lambda's constraint violations are ValidationException. */
export const validation = (field: string, value: unknown, constraint: string): AwsError =>
  constraintViolation('ValidationException', field, value, constraint);

// ---- layers ----

export const layerArn = (s: Scope, name: string): string => `arn:aws:lambda:${s.region}:${s.accountId}:layer:${name}`;

const LAYER_NAME = /^(?:arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)|([a-zA-Z0-9-_]+))$/;
const LAYER_VERSION_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
export const LAYER_VERSION_ARN_PATTERN = 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

export interface LayerRef extends Scope {
  /** The layer ARN (unversioned): the key layers are stored under. */
  arn: string;
  name: string;
}

/** A LayerName parameter: a name (in the request's region and account) or a layer ARN. */
export function parseLayerName(ref: string | undefined, scope: Scope): LayerRef {
  if (!ref) throw validation('layerName', ref, 'Member must not be null');
  if (ref.length > 140) throw validation('layerName', ref, 'Member must have length less than or equal to 140');
  const m = LAYER_NAME.exec(ref);
  if (!m) throw validation('layerName', ref, 'Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+');
  const [, region = scope.region, accountId = scope.accountId, arnName, plainName] = m;
  const name = (arnName ?? plainName)!;
  return { region, accountId, name, arn: layerArn({ region, accountId }, name) };
}

/** A layer version ARN (`…:layer:name:3`) → its layer and number; undefined when it is not one. */
export function parseLayerVersionArn(arn: string): (LayerRef & { version: number }) | undefined {
  if (arn.length > 140) return undefined;
  const m = LAYER_VERSION_ARN.exec(arn);
  if (!m) return undefined;
  const [, region, accountId, name, version] = m as unknown as [string, string, string, string, string];
  return { region, accountId, name, arn: layerArn({ region, accountId }, name), version: Number(version) };
}
