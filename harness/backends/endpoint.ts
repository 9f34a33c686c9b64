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
  env?: NodeJS.ProcessEnv;
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
  return {
    name: 'endpoint',
    async start(): Promise<BackendConnection> {
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
      const kind = await identify(base);
      return {
        name: 'endpoint',
        endpoint: base,
        region,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
        description: `${kind.label} at ${base}`,
        capabilities: kind.capabilities,
        timing: kind.label.startsWith('s3-event-harness')
          ? { visibilityTimeoutSeconds: 30, functionTimeoutSeconds: 10, withinMs: 30_000, pollMs: 50 }
          : { visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 10, withinMs: 90_000, pollMs: 250 },
        ...(opts.prefix ? { requiredPrefix: opts.prefix } : {}),
      };
    },
    async stop() {
      // Not ours to stop.
    },
  };
}

/** Our emulator answers /_harness/health, LocalStack /_localstack/health; anything else is taken as plain AWS APIs. */
async function identify(base: string): Promise<{ label: string; capabilities: Capabilities }> {
  const none: Capabilities = { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true };
  const harness = await getJson(`${base}/_harness/health`);
  if (harness && Array.isArray(harness.services)) {
    return {
      label: 's3-event-harness emulator',
      capabilities: { ...none, peek: true, reset: true, lambdaExecution: harness.services.includes('lambda') },
    };
  }
  const ls = await getJson(`${base}/_localstack/health`);
  if (ls && typeof ls.services === 'object') {
    const lambda = ls.services?.lambda;
    return { label: `LocalStack ${ls.version ?? ''}`.trim(), capabilities: { ...none, lambdaExecution: lambda === undefined || lambda === 'available' || lambda === 'running' } };
  }
  return { label: 'endpoint', capabilities: none };
}

async function getJson(url: string): Promise<any | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return undefined;
    return await res.json();
  } catch {
    return undefined;
  }
}
