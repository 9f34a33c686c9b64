import { AwsError, constraintViolation } from '../core/errors';

/** IAM's checks of names, paths, policy documents and policy ARNs, with its error codes and messages. */

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/;

const validationError = (field: string, value: string | undefined, constraint: string) => constraintViolation('ValidationError', field, value, constraint);

/** A role or policy name: `[\w+=,.@-]+`, up to `max` characters (64 for roles, 128 for policies). */
export function checkName(field: string, value: string | undefined, max: number): string {
  if (value === undefined) throw validationError(field, value, 'Member must not be null');
  if (value.length < 1 || value.length > max) throw validationError(field, value, `Member must have length less than or equal to ${max}`);
  if (!NAME.test(value)) throw validationError(field, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return value;
}

export function checkPath(value: string | undefined): string {
  if (value === undefined) return '/';
  if (value.length > 512 || !PATH.test(value)) {
    throw validationError('path', value, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  }
  return value;
}

/** A policy document must be a JSON object; IAM refuses anything else before looking at its statements. */
export function checkPolicyDocument(field: string, doc: string | undefined): string {
  if (doc === undefined) throw validationError(field, doc, 'Member must not be null');
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsError('MalformedPolicyDocument', 'This policy contains invalid Json', 400);
  }
  return doc;
}

export function checkPolicyArn(arn: string | undefined): string {
  if (arn === undefined) throw validationError('policyArn', arn, 'Member must not be null');
  if (!POLICY_ARN.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
  return arn;
}
