/**
 * An error in AWS's own shape. Providers throw it; each protocol codec renders it the way that
 * protocol does (JSON `__type`, Query `<ErrorResponse>`, S3 `<Error>`, REST-JSON `x-amzn-errortype`).
 */
export class AwsError extends Error {
  constructor(
    /** AWS error code, e.g. `NoSuchBucket`, `QueueDoesNotExist`, `InvalidParameterValue`. */
    readonly code: string,
    message: string,
    /** HTTP status code. */
    readonly status = 400,
    /** Extra fields some protocols put in the error body (S3: `Key`, `BucketName`, `ArgumentName`, …). */
    readonly fields: Record<string, string> = {},
    /** "Sender" (client fault) or "Receiver" (server fault), used by the Query protocol. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * AWS's constraint-violation error: `1 validation error detected: Value 'x' at 'field' failed to satisfy
 * constraint: …` (`Value null at …` for a missing member), under the service's code (ValidationException,
 * ValidationError).
 */
export function constraintViolation(code: string, field: string, value: unknown, constraint: string): AwsError {
  const shown = value === undefined || value === null ? 'null' : `'${typeof value === 'object' ? JSON.stringify(value) : String(value)}'`;
  return new AwsError(code, `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`, 400);
}

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError;
