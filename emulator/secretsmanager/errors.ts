import { AwsError, constraintViolation } from '../core/errors';

/** Secrets Manager's errors, with the messages AWS sends. */

export const secretNotFound = (): AwsError => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);

export const markedForDeletion = (): AwsError =>
  new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.", 400);

/** A version id (or id and label) that names no version with a value. */
export const versionNotFound = (versionId: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`, 400);

export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message, 400);
export const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequestException', message, 400);

/** A required member the request left out (the JSON codec drops nulls, so this is also `"SecretId": null`). */
export function required<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === null || (typeof value === 'string' && value === '')) {
    throw value === '' ? constraintViolation('ValidationException', field, value, 'Member must have length greater than or equal to 1') : constraintViolation('ValidationException', field, value, 'Member must not be null');
  }
  return value;
}

/** A number member outside the range the model gives it. */
export function inRange(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) throw constraintViolation('ValidationException', field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintViolation('ValidationException', field, value, `Member must have value less than or equal to ${max}`);
}

/** A string member longer or shorter than the model allows. */
export function lengthIn(value: string | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min) throw constraintViolation('ValidationException', field, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraintViolation('ValidationException', field, value, `Member must have length less than or equal to ${max}`);
}
