import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which service a request is for, on one shared port: the SigV4 credential scope names it; else
 * X-Amz-Target's prefix; else a path that only one service uses; else the Query `Action`; S3 is the fallback.
 */
export interface Routed {
  service: string;
  region?: string;
  accessKeyId?: string;
}

const TARGET_PREFIXES: Record<string, string> = {
  AmazonSQS: 'sqs',
  Logs_20140328: 'logs',
  AWSEvents: 'events',
  GraniteServiceVersion20100801: 'monitoring',
  secretsmanager: 'secretsmanager',
  AWSSecurityTokenServiceV20110615: 'sts',
  AmazonSSM: 'ssm',
};

/** SigV4 signing names that differ from our service ids. */
const SIGNING_NAMES: Record<string, string> = { execute_api: 'apigateway', email: 'ses' };

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export function credentialScope(headers: IncomingHttpHeaders, query: URLSearchParams): Routed | undefined {
  const auth = String(headers.authorization ?? '');
  let m = CREDENTIAL.exec(auth);
  if (!m) {
    const q = query.get('X-Amz-Credential');
    if (q) m = CREDENTIAL.exec(`Credential=${q}`);
  }
  if (!m) {
    // SigV2 (old s3cmd): "AWS AKID:signature"
    const v2 = /^AWS ([^:]+):/.exec(auth);
    return v2 ? { service: 's3', accessKeyId: v2[1] } : undefined;
  }
  const service = SIGNING_NAMES[m[3]!] ?? m[3]!;
  return { service, region: m[2], accessKeyId: m[1] };
}

export function routeRequest(
  headers: IncomingHttpHeaders,
  rawPath: string,
  query: URLSearchParams,
  actionOwner: (action: string) => string | undefined,
  formAction?: string,
): Routed {
  const scope = credentialScope(headers, query);
  if (scope && scope.service !== 's3') return scope;
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const prefix = target.split('.')[0]!;
    const service = TARGET_PREFIXES[prefix];
    if (service) return { ...scope, service };
  }
  if (/^\/20\d\d-\d\d-\d\d\//.test(rawPath)) return { ...scope, service: 'lambda' };
  if (rawPath.startsWith('/service/GraniteServiceVersion20100801/')) return { ...scope, service: 'monitoring' };
  const action = query.get('Action') ?? formAction;
  if (!scope && action) {
    const owner = actionOwner(action);
    if (owner) return { service: owner };
  }
  return { ...scope, service: 's3' };
}

/** The bucket named by a virtual-hosted Host header (`bucket.localhost:4566`, `bucket.s3.<anything>`). */
export function virtualHostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const hostname = host.replace(/:\d+$/, '');
  if (/^[\d.]+$/.test(hostname) || hostname.startsWith('[')) return undefined;
  const s3Style = /^(.+?)\.s3[.-]/.exec(hostname);
  if (s3Style) return s3Style[1];
  if (hostname.endsWith('.localhost')) return hostname.slice(0, -'.localhost'.length);
  return undefined;
}
