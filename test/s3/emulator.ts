import * as s3Sdk from '@aws-sdk/client-s3';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator } from '../../emulator';
import type { Clock } from '../../emulator/core/clock';
import type { DeliveryBus } from '../../emulator/core/delivery';
import { loadServiceModel } from '../../emulator/protocols/model';
import { restXmlCodec } from '../../emulator/protocols/rest-xml';
import { createServer, listen } from '../../emulator/server';
import { createS3Provider } from '../../emulator/s3';
import { OPTIONS } from './helpers';

/**
 * The emulator for SDK tests: `startEmulator({ port: 0 })`; while S3 is not yet mounted there, the same
 * server and REST-XML codec serving the S3 provider alone, on the emulator's bus and clock.
 */
export interface S3Under {
  endpoint: string;
  /** The emulator's own endpoint (other services); the same as `endpoint` once S3 is mounted there. */
  emulatorEndpoint: string;
  bus: DeliveryBus;
  clock: Clock;
  provider: Record<string, any>;
  client(config?: Partial<S3ClientConfig>): S3Client;
  stop(): Promise<void>;
}

export async function startS3(): Promise<S3Under> {
  const emu: RunningEmulator = await startEmulator({ port: 0, log: () => {} });
  const clientFor = (endpoint: string) => (config: Partial<S3ClientConfig> = {}) =>
    new S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, ...config });
  if (emu.providers.s3) {
    return { endpoint: emu.endpoint, emulatorEndpoint: emu.endpoint, bus: emu.bus, clock: emu.clock, provider: emu.providers.s3, client: clientFor(emu.endpoint), stop: () => emu.stop() };
  }
  const options = { ...OPTIONS, region: emu.region };
  const provider = createS3Provider({ clock: emu.clock, bus: emu.bus, options });
  const model = loadServiceModel(s3Sdk as unknown as Record<string, unknown>);
  const codec = restXmlCodec(model);
  const services = new Map([['s3', { name: 's3', codecFor: () => codec, provider }]]);
  const server = createServer(services as any, options, async () => false, { error: (m, c) => process.stderr.write(`${m}: ${(c as Error)?.stack}\n`) });
  const address = await listen(server, '127.0.0.1', 0);
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    emulatorEndpoint: emu.endpoint,
    bus: emu.bus,
    clock: emu.clock,
    provider,
    client: clientFor(endpoint),
    async stop() {
      provider.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await emu.stop();
    },
  };
}
