import { AwsError, constraintViolation } from '../core/errors';

/**
 * Parameter names, paths and selectors as Parameter Store checks them
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html):
 * letters, digits and `._-`, hierarchies separated by `/` that start with `/`, at most 15 levels,
 * `aws`/`ssm` reserved. Messages are AWS's (as moto and LocalStack repeat them).
 */

export const validation = (message: string): AwsError => new AwsError('ValidationException', message, 400);

const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
/** AWS: a name with its ARN may be 1011 characters; the ARN prefix is `arn:aws:ssm:<region>:<account>:parameter`. */
const MAX_NAME = 1011;
export const MAX_LEVELS = 15;

const INVALID_NAME =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

export const INVALID_PATH =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". ' +
  'It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). ' +
  'Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

/** Checks a name PutParameter would create. */
export function checkNewName(name: string): void {
  if (name.length > MAX_NAME) throw constraintViolation('ValidationException', 'name', name, `Member must have length less than or equal to ${MAX_NAME}`);
  const lower = name.toLowerCase().replace(/^\/+/, '');
  if (lower.startsWith('aws') || lower.startsWith('ssm')) {
    const isPath = (name.match(/\//g) ?? []).length > 1;
    if (isPath && name.toLowerCase().startsWith('/aws')) throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`, 400);
    throw validation(isPath ? INVALID_NAME : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
  if (!NAME_CHARS.test(name) || name.includes('//') || (name.length > 1 && name.endsWith('/')) || name === '/') throw validation(INVALID_NAME);
  if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  if (levels(name) > MAX_LEVELS) {
    throw new AwsError(
      'HierarchyLevelLimitExceededException',
      'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.',
      400,
    );
  }
}

/** `/a/b/c` has three levels, `name` one. */
export const levels = (name: string): number => name.split('/').filter(Boolean).length;

/** Checks a hierarchy path (GetParametersByPath, the Path filter) and gives it without a trailing slash (`/` stays `/`). */
export function checkPath(path: string): string {
  const lower = path.toLowerCase();
  if (lower.startsWith('/aws/') || lower === '/aws' || lower.startsWith('/ssm/') || lower === '/ssm') {
    throw validation(
      'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.',
    );
  }
  if (!path.startsWith('/') || path.includes('//') || !NAME_CHARS.test(path)) throw validation(INVALID_PATH);
  if (levels(path) > MAX_LEVELS) throw validation(INVALID_PATH);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

const ARN_NAME = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/;

/**
 * The stored names a name in a request may mean. An ARN (`arn:aws:ssm:<region>:<account>:parameter/a/b`) gives
 * `/a/b` and `a/b`. A top-level name gives itself and its other form: AWS reads `x` as `/x` and `/x` as `x`.
 */
export function candidateNames(name: string): string[] {
  const fromArn = ARN_NAME.exec(name)?.[1];
  if (fromArn !== undefined) return [fromArn, fromArn.slice(1)];
  if (levels(name) !== 1 || name.lastIndexOf('/') > 0) return [name];
  return name.startsWith('/') ? [name, name.slice(1)] : [name, `/${name}`];
}

/** GetParameter refuses a hierarchy written wrong (`/a//b`, `a/b`) before looking for it, as AWS does. */
export function checkReadName(text: string): void {
  const name = parseSelector(text)?.name;
  if (name === undefined || ARN_NAME.test(name)) return;
  if (name.includes('//') || (name.includes('/') && !name.startsWith('/'))) throw validation(INVALID_NAME);
}

/** `name`, `name:3` (a version) or `name:label`. */
export interface Selector {
  name: string;
  version?: number;
  label?: string;
  /** `:3` or `:label`, as GetParameter answers in `Selector`. */
  raw?: string;
}

export function parseSelector(text: string): Selector | undefined {
  const arnMatch = /^(arn:[^:]+:ssm:[^:]*:[^:]*:parameter\/[^:]*)(?::(.*))?$/.exec(text);
  const [name, rest, extra] = arnMatch ? [arnMatch[1]!, arnMatch[2], undefined] : text.split(':');
  if (extra !== undefined || name === undefined) return undefined;
  if (rest === undefined) return { name };
  if (/^\d+$/.test(rest)) return { name, version: Number(rest), raw: `:${rest}` };
  return { name, label: rest, raw: `:${rest}` };
}

/** Labels AWS refuses (they come back in InvalidLabels): `aws`/`ssm` prefixes, a leading digit, other characters, over 100. */
export const isValidLabel = (label: string): boolean =>
  label.length >= 1 && label.length <= 100 && /^[a-zA-Z0-9_.-]+$/.test(label) && !/^(aws|ssm)/i.test(label) && !/^\d/.test(label);
