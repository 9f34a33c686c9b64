import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { getCanonicalQuery, getSigningKey } from '@smithy/signature-v4';
import { AwsError } from './errors';
import { isoSeconds } from './calendar';

/**
 * Optional SigV4 verification (`--verify-signatures`): recomputes the signature of a request with the
 * configured secret and answers as AWS does when it differs. Off by default, as on LocalStack.
 * Not checked: the per-chunk signatures of S3 aws-chunked uploads (their seed signature, in the header, is).
 * A presigned S3 URL's parameters and expiry are checked always (`checkPresignedUrl`), as AWS checks them.
 */
export interface SignedRequest {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  service: string;
  /** The body, for services whose payload hash is not sent in a header. */
  body?: Buffer;
}

/** The hash constructor getSigningKey expects, on node:crypto (HMAC when given a secret). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: Uint8Array | string) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/;

interface Parsed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presigned: boolean;
}

function parse(req: SignedRequest): Parsed | undefined {
  const auth = String(req.headers.authorization ?? '');
  const m = AUTH.exec(auth.replace(/\s+/g, ' ').replace(/, /g, ', '));
  if (m) {
    return {
      accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!,
      signedHeaders: m[5]!.split(';'), signature: m[6]!,
      amzDate: String(req.headers['x-amz-date'] ?? ''), presigned: false,
    };
  }
  const credential = req.query.get('X-Amz-Credential');
  if (!credential) return undefined;
  const [accessKeyId, date, region, service] = credential.split('/');
  return {
    accessKeyId: accessKeyId ?? '', date: date ?? '', region: region ?? '', service: service ?? '',
    signedHeaders: (req.query.get('X-Amz-SignedHeaders') ?? 'host').split(';'),
    signature: req.query.get('X-Amz-Signature') ?? '',
    amzDate: req.query.get('X-Amz-Date') ?? '', presigned: true,
  };
}

const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalPath(rawPath: string, service: string): string {
  // S3 signs the path as sent; every other service URI-encodes each (already encoded) segment once more.
  if (service === 's3') return rawPath || '/';
  return rawPath.split('/').map(encodeSegment).join('/') || '/';
}

/** SigV4 query-string authentication (presigned URLs): one of these present makes S3 require them all. */
const QUERY_AUTH_V4 = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
/** SigV2 query-string authentication (presigned URLs of older SDKs): `Expires` is an epoch second. */
const QUERY_AUTH_V2 = ['AWSAccessKeyId', 'Signature', 'Expires'];
/** A SigV4 signing key lives seven days, and so at most does a presigned URL. */
export const MAX_PRESIGNED_SECONDS = 604_800;

const queryParametersError = (message: string) => new AwsError('AuthorizationQueryParametersError', message, 400);

/** S3's timestamps in error bodies: ISO 8601 to the second (2017-07-20T04:18:45Z). */

/** `yyyyMMdd'T'HHmmss'Z'` as epoch milliseconds; undefined for anything else (including 20260230T…). */
function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  const exact = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  return exact ? ms : undefined;
}

/** X-Amz-Expires as S3 reads it: a signed 64-bit integer of seconds, at most a week. */
function expirySeconds(text: string): number {
  // S3 parses a Java long: digits with an optional sign, nothing else, and nothing beyond 64 bits.
  if (!/^[+-]?\d+$/.test(text) || BigInt(text) >= 2n ** 63n || BigInt(text) < -(2n ** 63n)) {
    throw queryParametersError('X-Amz-Expires should be a number');
  }
  const seconds = Number(text);
  if (seconds < 0) throw queryParametersError('X-Amz-Expires must be non-negative');
  if (seconds > MAX_PRESIGNED_SECONDS) {
    throw queryParametersError(
      `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_PRESIGNED_SECONDS} seconds`,
    );
  }
  return seconds;
}

const expired = (fields: Record<string, string>) => new AwsError('AccessDenied', 'Request has expired', 403, fields);

/**
 * What S3 checks of every presigned URL, whether or not signatures are verified: verification is about the
 * secret, while a URL's lifetime is part of what it grants, and AWS never serves an expired one (LocalStack
 * does by default; the emulator follows AWS). The parameters must be complete and well formed
 * (AuthorizationQueryParametersError, 400), and the URL not past X-Amz-Date + X-Amz-Expires (SigV4) or Expires
 * (SigV2) by `now`, the emulator's clock, so URLs expire in scaled and virtual time too (AccessDenied, 403,
 * with the X-Amz-Expires, Expires and ServerTime elements S3 adds).
 * Not checked: a signing date ahead of the clock (S3's "Request is not yet valid"). A virtual clock starts at a
 * fixed date, usually before the real one SDKs sign with, and every URL would be refused.
 */
export function checkPresignedUrl(query: URLSearchParams, now: number): void {
  if (QUERY_AUTH_V4.some((p) => query.has(p))) {
    if (!QUERY_AUTH_V4.every((p) => query.has(p))) {
      throw queryParametersError(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const signedAt = parseAmzDate(query.get('X-Amz-Date')!);
    if (signedAt === undefined) throw queryParametersError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    const seconds = expirySeconds(query.get('X-Amz-Expires')!);
    const expiresAt = signedAt + seconds * 1000;
    if (now > expiresAt) throw expired({ 'X-Amz-Expires': String(seconds), Expires: isoSeconds(expiresAt), ServerTime: isoSeconds(now) });
    return;
  }
  if (QUERY_AUTH_V2.every((p) => query.has(p))) {
    const expires = query.get('Expires')!;
    if (/^\d+$/.test(expires) && now > Number(expires) * 1000) {
      throw expired({ Expires: isoSeconds(Number(expires) * 1000), ServerTime: isoSeconds(now) });
    }
  }
}

export async function verifySignature(req: SignedRequest, secrets: Record<string, string>): Promise<void> {
  const p = parse(req);
  if (!p) return; // an unsigned request: AWS would refuse it, but the harness's own probes send none
  const s3 = req.service === 's3';
  const secret = secrets[p.accessKeyId];
  if (secret === undefined) {
    throw s3
      ? new AwsError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: p.accessKeyId })
      : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  const headerLines = p.signedHeaders.map((h) => {
    const v = req.headers[h];
    const value = Array.isArray(v) ? v.join(',') : String(v ?? '');
    return `${h}:${value.trim().replace(/\s+/g, ' ')}`;
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    if (p.presigned && k === 'X-Amz-Signature') continue;
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const payloadHash = p.presigned
    ? req.query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD'
    : String(req.headers['x-amz-content-sha256'] ?? createHash('sha256').update(req.body ?? Buffer.alloc(0)).digest('hex'));
  const canonical = [
    req.method,
    canonicalPath(req.rawPath, req.service),
    getCanonicalQuery({ query } as any),
    `${headerLines.join('\n')}\n`,
    p.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${p.date}/${p.region}/${p.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', p.amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = await getSigningKey(NodeSha256 as any, { accessKeyId: p.accessKeyId, secretAccessKey: secret }, p.date, p.region, p.service);
  const expected = createHmac('sha256', Buffer.from(key)).update(stringToSign).digest('hex');
  if (expected !== p.signature) {
    const message = s3
      ? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
      : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
    throw new AwsError('SignatureDoesNotMatch', message, 403);
  }
}
