import * as sqsSdk from '@aws-sdk/client-sqs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ScaledClock, type Clock } from '../../emulator/core/clock';
import { DeliveryBus } from '../../emulator/core/delivery';
import type { EmulatorOptions } from '../../emulator/core/service';
import { startEmulator } from '../../emulator';
import { loadServiceModel } from '../../emulator/protocols/model';
import { awsJsonCodec } from '../../emulator/protocols/json';
import { queryCodec } from '../../emulator/protocols/query';
import { createServer, listen } from '../../emulator/server';
import { createSqsProvider, type SqsService } from '../../emulator/sqs';

export interface SqsTestServer {
  endpoint: string;
  clock: Clock;
  bus: DeliveryBus;
  sqs: SqsService;
  client: SQSClient;
  stop(): Promise<void>;
}

/**
 * Starts the emulator for SDK tests. Until SQS is mounted in emulator/services.ts, the same server and
 * codecs are assembled here around the SQS provider alone, so these tests exercise the real wire path.
 */
export async function startSqsServer(opts: Partial<EmulatorOptions> & { clock?: Clock } = {}): Promise<SqsTestServer> {
  const em = await startEmulator({ port: 0, log: () => {}, ...opts });
  if (em.providers.sqs) {
    const client = sqsClient(em.endpoint);
    return {
      endpoint: em.endpoint,
      clock: em.clock,
      bus: em.bus,
      sqs: em.providers.sqs as unknown as SqsService,
      client,
      async stop() {
        client.destroy();
        await em.stop();
      },
    };
  }
  await em.stop();

  const options: EmulatorOptions = {
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    accountId: '000000000000',
    timeScale: 1,
    sqsMaxMessageSize: 1_048_576,
    strict: false,
    lambdaConcurrencyLimit: 1000,
    scaleFunctionTimeouts: false,
    verifySignatures: false,
    credentials: {},
    ...opts,
  } as EmulatorOptions;
  const clock = opts.clock ?? new ScaledClock(options.timeScale);
  const bus = new DeliveryBus(clock);
  const sqs = createSqsProvider({ clock, bus, options });
  const model = loadServiceModel(sqsSdk as unknown as Record<string, unknown>);
  const json = awsJsonCodec(model, '1.0');
  const query = queryCodec(model, 'http://queue.amazonaws.com/doc/2012-11-05/');
  const services = new Map([
    ['sqs', { name: 'sqs', provider: sqs as unknown as Record<string, any>, actions: new Set(model.operations.keys()), codecFor: (req: { headers: Record<string, unknown> }) => (req.headers['x-amz-target'] ? json : query) }],
  ]);
  const server = createServer(services as never, options, async () => false, { error: () => {} });
  const address = await listen(server, options.host, 0);
  options.port = address.port;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = sqsClient(endpoint);
  return {
    endpoint,
    clock,
    bus,
    sqs,
    client,
    async stop() {
      client.destroy();
      sqs.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<Error & { name: string; Code?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}
