import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Backend, BackendConnection, Capabilities } from './types';

/**
 * An already running endpoint: the compose sandbox, a LocalStack somewhere, another emulator — or, only
 * when asked for explicitly (`allowAws` and a resource prefix), real AWS.
 */
export interface EndpointOptions {
  /** A URL, or `aws` for real AWS. */
  url?: string;
  /** Must be true to touch real AWS. */
  allowAws?: boolean;
  /** Real AWS: every resource name starts with this (required there). */
  prefix?: string;
  region?: string;
  /**
   * An HTTPS endpoint with its own CA (e.g. AWS Emulator's `~/.aws/emulator/9297/ca.pem`): PEM file(s) to
   * trust for this endpoint only (env HARNESS_CA_FILE). TLS verification stays on; nothing global changes.
   */
  caFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** TLS settings of an HTTPS endpoint, for the SDK clients' NodeHttpHandler (`requestHandler: { httpsAgent }`). */
export interface EndpointTls {
  caFile: string;
  httpsAgent: https.Agent;
}

/** An endpoint connection; `tls` is set when a CA file was given for an https:// endpoint. */
export type EndpointConnection = BackendConnection & { tls?: EndpointTls };

/** An https.Agent that trusts the given CA file(s) in addition to Node's roots, for one endpoint. */
export function httpsAgentForCa(caFile: string): https.Agent {
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (e) {
    throw new Error(`cannot read the CA file ${caFile} (--ca-file / HARNESS_CA_FILE): ${(e as Error).message}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${caFile} holds no PEM certificate (--ca-file / HARNESS_CA_FILE)`);
  // Added to, not instead of, the default roots: `ca` replaces them, so pass both.
  return new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, ca.toString('utf8')] });
}

export class RefusedError extends Error {
  override name = 'RefusedError';
}

export const isAwsTarget = (url: string | undefined): boolean =>
  url === undefined || url === '' || url === 'aws' || /(^|\.)amazonaws\.com(\.cn)?(:\d+)?(\/|$)/.test(url.replace(/^https?:\/\//, ''));

export function endpointBackend(opts: EndpointOptions): Backend {
  const env = opts.env ?? process.env;
  const url = opts.url ?? env.HARNESS_ENDPOINT;
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const caFile = opts.caFile ?? (env.HARNESS_CA_FILE || undefined);
  return {
    name: 'endpoint',
    async start(): Promise<EndpointConnection> {
      if (isAwsTarget(url)) {
        if (!opts.allowAws || !opts.prefix) {
          throw new RefusedError(
            url
              ? `refusing to use real AWS (${url}) without --allow-aws and --prefix <name>: the harness creates and deletes resources`
              : 'no endpoint URL given (--endpoint URL or HARNESS_ENDPOINT); real AWS is only used with --endpoint aws --allow-aws --prefix <name>',
          );
        }
        return {
          name: 'endpoint',
          region,
          description: `real AWS (${region}), resources prefixed "${opts.prefix}"`,
          capabilities: { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true },
          timing: { visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 10, withinMs: 120_000, pollMs: 500 },
          requiredPrefix: opts.prefix,
        };
      }
      const base = url!.replace(/\/+$/, '');
      const trust = caFile && base.startsWith('https:') ? { caFile, httpsAgent: httpsAgentForCa(caFile) } : undefined;
      const kind = await identify(base, trust?.httpsAgent);
      return {
        name: 'endpoint',
        endpoint: base,
        region,
        ...endpointCredentials(env),
        description: `${kind.label} at ${base}${trust ? ` (trusting CA ${caFile})` : ''}`,
        capabilities: kind.capabilities,
        timing: kind.label.startsWith('s3-event-harness')
          ? { visibilityTimeoutSeconds: 30, functionTimeoutSeconds: 10, withinMs: 30_000, pollMs: 50 }
          : { visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 10, withinMs: 90_000, pollMs: 250 },
        ...(opts.prefix ? { requiredPrefix: opts.prefix } : {}),
        ...(trust ? { tls: trust } : {}),
      };
    },
    async stop() {
      // Not ours to stop.
    },
  };
}

/**
 * Keys for an emulator: AWS_ACCESS_KEY_ID/SECRET when set; else, when a credentials file is named explicitly
 * (AWS Emulator writes fresh keys per run to a file under ~/.aws/emulator/<port>/), the SDK's own chain reads
 * it; else any keys (`test`). AWS_PROFILE alone does not switch to the chain: it is often set for real AWS.
 */
function endpointCredentials(env: NodeJS.ProcessEnv): Pick<BackendConnection, 'credentials'> {
  if (env.AWS_ACCESS_KEY_ID) {
    return { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } };
  }
  if (env.AWS_SHARED_CREDENTIALS_FILE) return {};
  return { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** Our emulator answers /_harness/health, LocalStack /_localstack/health; anything else is taken as plain AWS APIs. */
async function identify(base: string, agent?: https.Agent): Promise<{ label: string; capabilities: Capabilities }> {
  const none: Capabilities = { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true };
  const harness = await getJson(`${base}/_harness/health`, agent);
  if (harness && Array.isArray(harness.services)) {
    return {
      label: 's3-event-harness emulator',
      capabilities: { ...none, peek: true, reset: true, lambdaExecution: harness.services.includes('lambda') },
    };
  }
  const ls = await getJson(`${base}/_localstack/health`, agent);
  if (ls && typeof ls.services === 'object') {
    const lambda = ls.services?.lambda;
    return { label: `LocalStack ${ls.version ?? ''}`.trim(), capabilities: { ...none, lambdaExecution: lambda === undefined || lambda === 'available' || lambda === 'running' } };
  }
  return { label: 'endpoint', capabilities: none };
}

/** GET → JSON, or undefined for anything else (not running, not JSON, a certificate not trusted). Uses the endpoint's agent, so its CA. */
function getJson(url: string, agent?: https.Agent): Promise<any | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: 3_000, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        if (!res.statusCode || res.statusCode >= 300) return resolve(undefined);
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}
