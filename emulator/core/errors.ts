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

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError;
