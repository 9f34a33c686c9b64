import { dockerSocketForMount, loadTestcontainers } from './detect';
import type { Backend, BackendConnection } from './types';

export const DEFAULT_LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';

export interface LocalStackOptions {
  /** Default: env LOCALSTACK_IMAGE, else the pinned image. */
  image?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/**
 * LocalStack in a container (testcontainers). Its Lambda runs functions as sibling containers, so the
 * Docker socket is mounted and both sit on one network (LAMBDA_DOCKER_NETWORK) where functions reach
 * LocalStack by its alias. Retry delays are shortened so async-invoke retries take seconds, not minutes.
 */
export function localstackBackend(opts: LocalStackOptions = {}): Backend {
  const env = opts.env ?? process.env;
  const image = opts.image ?? env.LOCALSTACK_IMAGE ?? DEFAULT_LOCALSTACK_IMAGE;
  let container: { stop(): Promise<unknown> } | undefined;
  let network: { stop(): Promise<unknown> } | undefined;
  return {
    name: 'localstack',
    async start(): Promise<BackendConnection> {
      const { Network } = loadTestcontainers();
      const { LocalstackContainer } = require('@testcontainers/localstack') as typeof import('@testcontainers/localstack');
      const net = await new Network().start();
      network = net;
      const alias = 'localstack';
      const environment: Record<string, string> = {
        LAMBDA_DOCKER_NETWORK: net.getName(),
        LAMBDA_RETRY_BASE_DELAY_SECONDS: '1',
        LAMBDA_RETRY_BASE_DELAY: '1',
        ...(env.LOCALSTACK_AUTH_TOKEN ? { LOCALSTACK_AUTH_TOKEN: env.LOCALSTACK_AUTH_TOKEN } : {}),
      };
      opts.log?.(`starting ${image} (network ${net.getName()})`);
      const started = await new LocalstackContainer(image)
        .withNetwork(net)
        .withNetworkAliases(alias)
        .withBindMounts([{ source: dockerSocketForMount(env), target: '/var/run/docker.sock' }])
        .withEnvironment(environment)
        .start();
      container = started;
      const endpoint = started.getConnectionUri();
      return {
        name: 'localstack',
        endpoint,
        region: env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        description: `LocalStack ${image} at ${endpoint}`,
        capabilities: { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true },
        // Real time: short visibility timeouts keep redrive scenarios to tens of seconds; cold starts pull images.
        timing: { visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 10, withinMs: 90_000, pollMs: 250 },
      };
    },
    async stop() {
      await container?.stop();
      await network?.stop();
      container = undefined;
      network = undefined;
    },
  };
}
