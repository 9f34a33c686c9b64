import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './core/errors';
import { ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT, tooLarge as invokePayloadTooLarge } from './lambda/invoke';

/**
 * How much of a request body the server reads into memory for a service, and how it refuses more. The JSON,
 * Query, CBOR and REST-JSON codecs read a body whole before decoding it; S3 streams its uploads and has limits
 * of its own (emulator/s3/body.ts), so it gets none here.
 *
 * No limit is below what AWS accepts, so nothing AWS would take is refused, and the services' own checks
 * (SQS's 1 MiB message, Lambda's 6 MB payload, the 50 MB zip) still answer for anything under it:
 * - Lambda: 70,167,211 bytes, AWS's own request limit (a 50 MB zip in base64 with the JSON around it), refused
 *   as AWS refuses it: RequestEntityTooLargeException (413) "Request must be smaller than 70167211 bytes for the
 *   CreateFunction operation" (invocations: the payload wording of emulator/lambda/invoke.ts).
 * - every other service: 16 MiB. Their largest requests carry about 1 MiB (an SQS message or batch, PutEvents,
 *   PutLogEvents, PutMetricData), which escaping grows at most 6-fold in JSON (a log line of `\u001b` colour codes)
 *   and 3-fold in a Query form (`%E2%80%A6`). An SQS message grows at most 3-fold (its characters exclude most
 *   control codes), so a larger configured message size (--sqs-max-message-size) raises the limit to 4 times it.
 *   AWS's front end answers 413 "HTTP content length exceeded <n> bytes." in plain text; the emulator answers the
 *   same as an error in the service's protocol (code RequestEntityTooLarge), so SDKs can name it.
 */
export interface BodyLimit {
  bytes: number;
  /** The error for a body of `size` bytes (as announced by Content-Length, or as read so far). */
  refuse(size: number): AwsError;
}

export const LAMBDA_REQUEST_LIMIT = 70_167_211;
export const DEFAULT_REQUEST_LIMIT = 16 * 1024 * 1024;

/** Lambda's operations with large bodies, by method and path, for AWS's wording (which names the operation). */
const LAMBDA_OPERATIONS: [RegExp, string][] = [
  [/^POST \/2015-03-31\/functions\/?$/, 'CreateFunction'],
  [/^PUT \/2015-03-31\/functions\/[^/]+\/code\/?$/, 'UpdateFunctionCode'],
  [/^POST \/2018-10-31\/layers\/[^/]+\/versions\/?$/, 'PublishLayerVersion'],
];
const LAMBDA_INVOKE = /^POST \/2015-03-31\/functions\/[^/]+\/invocations\/?$/;

export interface LimitedRequest {
  method: string;
  rawPath: string;
  headers: IncomingHttpHeaders;
}

/** The limit for a request to `service` (undefined: before routing); none for S3. */
export function bodyLimitFor(service: string | undefined, req: LimitedRequest, options: { sqsMaxMessageSize: number }): BodyLimit | undefined {
  if (service === 's3') return undefined;
  if (service === 'lambda') return lambdaLimit(req);
  const bytes = Math.max(DEFAULT_REQUEST_LIMIT, 4 * (options.sqsMaxMessageSize || 0));
  return { bytes, refuse: () => new AwsError('RequestEntityTooLarge', `HTTP content length exceeded ${bytes} bytes.`, 413) };
}

function lambdaLimit(req: LimitedRequest): BodyLimit {
  const target = `${req.method} ${req.rawPath}`;
  if (LAMBDA_INVOKE.test(target)) {
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    return {
      bytes: LAMBDA_REQUEST_LIMIT,
      refuse: (size) => invokePayloadTooLarge(type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT, type, size),
    };
  }
  const operation = LAMBDA_OPERATIONS.find(([pattern]) => pattern.test(target))?.[1];
  const message = `Request must be smaller than ${LAMBDA_REQUEST_LIMIT} bytes${operation ? ` for the ${operation} operation` : ''}`;
  return { bytes: LAMBDA_REQUEST_LIMIT, refuse: () => new AwsError('RequestEntityTooLargeException', message, 413, { Type: 'User' }) };
}
