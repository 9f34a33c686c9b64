import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { getCanonicalQuery, getSigningKey } from '@smithy/signature-v4';
import { AwsError } from './errors';

/**
 * Optional SigV4 verification (`--verify-signatures`): recomputes the signature of a request with the
 * configured secret and answers as AWS does when it differs. Off by default, as on LocalStack.
 * Not checked: the per-chunk signatures of S3 aws-chunked uploads (their seed signature, in the header, is).
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
