import { detectContainerRuntime } from './detect';
import { embeddedBackend, timeFromEnv, type EmbeddedOptions } from './embedded';
import { endpointBackend } from './endpoint';
import { localstackBackend } from './localstack';
import { BACKEND_NAMES, type Backend, type BackendName, type RuntimeDetector } from './types';

export * from './types';
export { embeddedBackend, localstackBackend, endpointBackend };
export { detectContainerRuntime, detectContainerRuntimeSync } from './detect';
export { RefusedError, isAwsTarget } from './endpoint';

export type BackendRequest = BackendName | 'auto';

export interface BackendChoice {
  name: BackendName;
  /** Printed at start: why this backend. */
  reason: string;
}

/** `--backend` wins over HARNESS_BACKEND; both default to auto. */
export function requestedBackend(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): BackendRequest {
  const value = (flag ?? env.HARNESS_BACKEND ?? 'auto').trim().toLowerCase();
  if (value === 'auto' || (BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendRequest;
  throw new Error(`unknown backend "${value}" (use auto, ${BACKEND_NAMES.join(', ')})`);
}

/**
 * auto: LocalStack when a container runtime answers, else the embedded emulator. The detector is injected
 * so the decision is testable without Docker.
 */
export async function chooseBackend(
  request: BackendRequest,
  opts: { detect?: RuntimeDetector; source?: string } = {},
): Promise<BackendChoice> {
  const source = opts.source ?? 'requested';
  if (request !== 'auto') return { name: request, reason: `${source} (${request})` };
  const status = await (opts.detect ?? detectContainerRuntime)();
  return status.available
    ? { name: 'localstack', reason: `auto: ${status.reason}` }
    : { name: 'embedded', reason: `auto: ${status.reason}; using the embedded emulator` };
}

export interface CreateBackendOptions {
  env?: NodeJS.ProcessEnv;
  embedded?: EmbeddedOptions;
  /** For `endpoint`: the URL (else HARNESS_ENDPOINT), and the real-AWS guard. */
  endpoint?: string;
  allowAws?: boolean;
  prefix?: string;
  log?: (message: string) => void;
}

export function createBackend(name: BackendName, opts: CreateBackendOptions = {}): Backend {
  const env = opts.env ?? process.env;
  switch (name) {
    case 'embedded': {
      const time = opts.embedded?.time ?? timeFromEnv(env.HARNESS_TIME);
      return embeddedBackend({ ...opts.embedded, ...(time !== undefined ? { time } : {}), ...(opts.log ? { log: opts.log } : {}) });
    }
    case 'localstack':
      return localstackBackend({ env, ...(opts.log ? { log: opts.log } : {}) });
    case 'endpoint':
      return endpointBackend({
        ...(opts.endpoint !== undefined ? { url: opts.endpoint } : {}),
        allowAws: opts.allowAws ?? false,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
        env,
      });
  }
}
