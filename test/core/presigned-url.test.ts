import { AwsError } from '../../emulator/core/errors';
import { checkPresignedUrl, MAX_PRESIGNED_SECONDS } from '../../emulator/core/sigv4';

/**
 * The checks S3 makes of a presigned URL's parameters and lifetime (emulator/core/sigv4.ts), with AWS's wording:
 *   expired:        403 AccessDenied "Request has expired" + X-Amz-Expires, Expires, ServerTime
 *                   (aws/aws-sdk-php#1333; aws/aws-sdk-js#3493 for SigV2, without X-Amz-Expires)
 *   over a week:    400 AuthorizationQueryParametersError "X-Amz-Expires must be less than a week (in seconds);
 *                   that is, the given X-Amz-Expires must be less than 604800 seconds" (aws/aws-cli#5464)
 *   not a number:   "X-Amz-Expires should be a number" (minio/minio-js#1312, quoting S3)
 *   negative:       "X-Amz-Expires must be non-negative" (fog/fog#3528, quoting S3)
 *   bad date:       "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
 *   missing parts:  "Query-string authentication version 4 requires the X-Amz-Algorithm, …" (as LocalStack, MinIO)
 */

const SIGNED_AT = Date.UTC(2026, 0, 1, 12, 0, 0);

function v4(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const params: Record<string, string | undefined> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'AKID/20260101/us-east-1/s3/aws4_request',
    'X-Amz-Date': '20260101T120000Z',
    'X-Amz-Expires': '900',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': 'f'.repeat(64),
    ...overrides,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return q;
}

function refusal(query: URLSearchParams, now: number): AwsError {
  try {
    checkPresignedUrl(query, now);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected the URL to be refused');
}

describe('presigned URL lifetime (SigV4)', () => {
  it('is valid from its signing time through X-Amz-Date + X-Amz-Expires, inclusive', () => {
    expect(() => checkPresignedUrl(v4(), SIGNED_AT)).not.toThrow();
    expect(() => checkPresignedUrl(v4(), SIGNED_AT + 900_000)).not.toThrow();
  });

  it('is refused one millisecond later: 403 AccessDenied "Request has expired" with X-Amz-Expires, Expires, ServerTime', () => {
    const err = refusal(v4(), SIGNED_AT + 900_001);
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(err.message).toBe('Request has expired');
    expect(err.fields).toEqual({ 'X-Amz-Expires': '900', Expires: '2026-01-01T12:15:00Z', ServerTime: '2026-01-01T12:15:00Z' });
    expect(Object.keys(err.fields)).toEqual(['X-Amz-Expires', 'Expires', 'ServerTime']); // S3's element order
  });

  it('X-Amz-Expires=0 is expired as soon as the clock passes the signing time', () => {
    expect(() => checkPresignedUrl(v4({ 'X-Amz-Expires': '0' }), SIGNED_AT)).not.toThrow();
    expect(refusal(v4({ 'X-Amz-Expires': '0' }), SIGNED_AT + 1_000).message).toBe('Request has expired');
  });

  it('a signing time ahead of the clock is accepted (virtual clocks start before the SDK\'s real one)', () => {
    expect(() => checkPresignedUrl(v4(), SIGNED_AT - 86_400_000)).not.toThrow();
  });
});

describe('presigned URL parameters (SigV4): 400 AuthorizationQueryParametersError', () => {
  const WEEK = 'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds';

  it.each([
    ['604801', WEEK],
    ['99999999', WEEK],
    ['abc', 'X-Amz-Expires should be a number'],
    ['1.5', 'X-Amz-Expires should be a number'],
    ['', 'X-Amz-Expires should be a number'],
    ['9223372036854775808', 'X-Amz-Expires should be a number'], // past a signed 64-bit integer
    ['-1', 'X-Amz-Expires must be non-negative'],
    ['-9223372036854775808', 'X-Amz-Expires must be non-negative'],
  ])('X-Amz-Expires=%j: %s', (expires, message) => {
    const err = refusal(v4({ 'X-Amz-Expires': expires }), SIGNED_AT);
    expect(err.code).toBe('AuthorizationQueryParametersError');
    expect(err.status).toBe(400);
    expect(err.message).toBe(message);
  });

  it('accepts exactly a week (604800), as the SDKs allow', () => {
    expect(MAX_PRESIGNED_SECONDS).toBe(604_800);
    expect(() => checkPresignedUrl(v4({ 'X-Amz-Expires': '604800' }), SIGNED_AT + 604_800_000)).not.toThrow();
  });

  it.each(['2026-01-01T12:00:00Z', '20260101T120000', '20260230T120000Z', '20260101T250000Z', 'now'])('X-Amz-Date=%j is refused', (date) => {
    const err = refusal(v4({ 'X-Amz-Date': date }), SIGNED_AT);
    expect(err.code).toBe('AuthorizationQueryParametersError');
    expect(err.message).toBe(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  });

  it.each(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'])(
    'without %s: all six parameters are required once one is present',
    (missing) => {
      const err = refusal(v4({ [missing]: undefined }), SIGNED_AT);
      expect(err.code).toBe('AuthorizationQueryParametersError');
      expect(err.message).toBe(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    },
  );

  it('leaves requests without query authentication alone', () => {
    expect(() => checkPresignedUrl(new URLSearchParams('list-type=2&prefix=a'), SIGNED_AT)).not.toThrow();
    expect(() => checkPresignedUrl(new URLSearchParams(), SIGNED_AT)).not.toThrow();
  });
});

describe('presigned URL lifetime (SigV2: AWSAccessKeyId, Signature, Expires in epoch seconds)', () => {
  const v2 = (expires: number) => new URLSearchParams({ AWSAccessKeyId: 'AKID', Signature: 'c2lnbmF0dXJl', Expires: String(expires) });

  it('is valid until Expires and refused after it, with Expires and ServerTime (no X-Amz-Expires)', () => {
    const expires = SIGNED_AT / 1000 + 60;
    expect(() => checkPresignedUrl(v2(expires), expires * 1000)).not.toThrow();
    const err = refusal(v2(expires), expires * 1000 + 5_000);
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(err.message).toBe('Request has expired');
    expect(err.fields).toEqual({ Expires: '2026-01-01T12:01:00Z', ServerTime: '2026-01-01T12:01:05Z' });
  });
});
