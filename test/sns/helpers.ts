import * as snsSdk from '@aws-sdk/client-sns';
import * as sqsSdk from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator } from '../../emulator';
import { ScaledClock, type Clock } from '../../emulator/core/clock';
import { DeliveryBus } from '../../emulator/core/delivery';
import type { EmulatorOptions } from '../../emulator/core/service';
import { inspectionHandler } from '../../emulator/inspect';
import { loadServiceModel } from '../../emulator/protocols/model';
import { awsJsonCodec } from '../../emulator/protocols/json';
import { queryCodec } from '../../emulator/protocols/query';
import { createServer, listen, type MountedService } from '../../emulator/server';
import { createSnsProvider, type SnsProvider } from '../../emulator/sns';
import { createSqsProvider } from '../../emulator/sqs';

export interface SnsTestServer {
  endpoint: string;
  clock: Clock;
  bus: DeliveryBus;
  sns: SnsProvider;
  snsClient: SNSClient;
  sqsClient: SQSClient;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Starts the emulator for SDK tests. While SNS (or SQS) is not yet mounted in emulator/services.ts, the same
 * server, codecs and inspection endpoints are assembled here around the SNS and SQS providers sharing one bus,
 * so these tests exercise the real wire path either way.
 */
export async function startSnsServer(opts: Partial<EmulatorOptions> & { clock?: Clock } = {}): Promise<SnsTestServer> {
  const em = await startEmulator({ port: 0, log: () => {}, ...opts });
  if (em.providers.sns && em.providers.sqs) return wrap(em.endpoint, em.clock, em.bus, em.providers.sns as unknown as SnsProvider, () => em.stop());
  await em.stop();
  return assemble(opts);
}

function wrap(endpoint: string, clock: Clock, bus: DeliveryBus, sns: SnsProvider, stopServer: () => Promise<void>): SnsTestServer {
  const snsClient = new SNSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const sqsClient = new SQSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    endpoint,
    clock,
    bus,
    sns,
    snsClient,
    sqsClient,
    async stop() {
      snsClient.destroy();
      sqsClient.destroy();
      await stopServer();
    },
  };
}

async function assemble(opts: Partial<EmulatorOptions> & { clock?: Clock }): Promise<SnsTestServer> {
  const options = {
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
    credentials: { test: 'test' },
    ...opts,
  } as EmulatorOptions;
  const clock = opts.clock ?? new ScaledClock(options.timeScale);
  const bus = new DeliveryBus(clock);
  const deps = { clock, bus, options };
  const sqs = createSqsProvider(deps);
  const sns = createSnsProvider(deps);
  const sqsModel = loadServiceModel(sqsSdk as unknown as Record<string, unknown>);
  const snsModel = loadServiceModel(snsSdk as unknown as Record<string, unknown>);
  const sqsJson = awsJsonCodec(sqsModel, '1.0');
  const sqsQuery = queryCodec(sqsModel, 'http://queue.amazonaws.com/doc/2012-11-05/');
  const snsQuery = queryCodec(snsModel, 'http://sns.amazonaws.com/doc/2010-03-31/');
  const services = new Map<string, MountedService>([
    ['sqs', { name: 'sqs', provider: sqs as never, actions: new Set(sqsModel.operations.keys()), codecFor: (req) => (req.headers['x-amz-target'] ? sqsJson : sqsQuery) }],
    ['sns', { name: 'sns', provider: sns as never, actions: new Set(snsModel.operations.keys()), codecFor: () => snsQuery }],
  ]);
  const reset = async () => {
    sns.reset();
    await sqs.reset();
  };
  const server = createServer(services, options, inspectionHandler(bus, () => [...services.keys()], reset), { error: () => {} });
  const address = await listen(server, options.host, 0);
  options.port = address.port;
  return wrap(`http://127.0.0.1:${address.port}`, clock, bus, sns, async () => {
    // close() waits for the signing key's background generation, which would otherwise outlive the test file.
    await sns.close();
    sqs.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });
}

/** Runs `fn` and returns the SDK error it throws (fails the test if it does not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}

