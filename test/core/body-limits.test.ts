import { bodyLimitFor, DEFAULT_REQUEST_LIMIT, LAMBDA_REQUEST_LIMIT } from '../../emulator/body-limits';

/** Which limit a request is held to, and the error it gets past it (end to end: test/reliability/request-body-limits.test.ts). */

const options = { sqsMaxMessageSize: 1_048_576 };
const req = (method: string, rawPath: string, headers: Record<string, string> = {}) => ({ method, rawPath, headers });

it('S3 gets none: it streams its uploads and has limits of its own', () => {
  expect(bodyLimitFor('s3', req('PUT', '/bucket/key'), options)).toBeUndefined();
});

it.each(['sqs', 'sns', 'events', 'logs', 'monitoring', 'sts', 'iam', 'secretsmanager', undefined])('%s: 16 MiB, RequestEntityTooLarge (413)', (service) => {
  const limit = bodyLimitFor(service, req('POST', '/'), options)!;
  expect(limit.bytes).toBe(DEFAULT_REQUEST_LIMIT);
  const err = limit.refuse(DEFAULT_REQUEST_LIMIT + 1);
  expect([err.code, err.status, err.message]).toEqual(['RequestEntityTooLarge', 413, 'HTTP content length exceeded 16777216 bytes.']);
});

it('grows with a configured SQS message size, to 4 times it', () => {
  expect(bodyLimitFor('sqs', req('POST', '/'), { sqsMaxMessageSize: 8 * 1_048_576 })!.bytes).toBe(32 * 1_048_576);
  expect(bodyLimitFor('sqs', req('POST', '/'), { sqsMaxMessageSize: 262_144 })!.bytes).toBe(DEFAULT_REQUEST_LIMIT);
});

describe('Lambda: 70,167,211 bytes', () => {
  it.each([
    ['POST', '/2015-03-31/functions', 'Request must be smaller than 70167211 bytes for the CreateFunction operation'],
    ['PUT', '/2015-03-31/functions/my-fn/code', 'Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation'],
    ['POST', '/2018-10-31/layers/my-layer/versions', 'Request must be smaller than 70167211 bytes for the PublishLayerVersion operation'],
    ['PUT', '/2015-03-31/functions/my-fn/configuration', 'Request must be smaller than 70167211 bytes'],
  ])('%s %s: %s', (method, path, message) => {
    const limit = bodyLimitFor('lambda', req(method, path), options)!;
    expect(limit.bytes).toBe(LAMBDA_REQUEST_LIMIT);
    const err = limit.refuse(LAMBDA_REQUEST_LIMIT + 1);
    expect([err.code, err.status, err.message]).toEqual(['RequestEntityTooLargeException', 413, message]);
  });

  it('invocations: the payload wording of their type', () => {
    const sync = bodyLimitFor('lambda', req('POST', '/2015-03-31/functions/my-fn/invocations'), options)!;
    expect(sync.refuse(80_000_000).message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    const event = bodyLimitFor('lambda', req('POST', '/2015-03-31/functions/my-fn/invocations', { 'x-amz-invocation-type': 'Event' }), options)!;
    expect(event.refuse(80_000_000).message).toBe('80000000 byte payload is too large for the Event invocation type (limit 1048576 bytes)');
  });
});
