import { ScaledClock, type Clock } from './core/clock';
import { AutoAdvancingClock } from './core/virtual-time';
import { FaultInjector, parseFaults } from './core/faults';
import { SeededRandom } from './core/random';
import { setRandomSource } from './core/ids';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './core/context';
import { DeliveryBus } from './core/delivery';
import type { EmulatorOptions } from './core/service';
import { inspectionHandler } from './inspect';
import { createServer, listen } from './server';
import { mountServices } from './services';
import { Persistence } from './persistence';
import { SIGNING_SECRETS, signingSecretsLookup, type SigningSecretsQuestion } from './core/signing-secrets';

export type { EmulatorOptions } from './core/service';
export { DataDirInUseError } from './persistence/data-dir';

export interface StartOptions extends Partial<EmulatorOptions> {
  /** A clock to use instead of real (scaled) time, e.g. a VirtualClock for deterministic scenarios. */
  clock?: Clock;
  /** Where server-side failures are reported (default: stderr). */
  log?: (message: string) => void;
  /** Fault spec, e.g. `duplicate=0.1,delay=0..60s,fail:processor=3` (see emulator/core/faults.ts). */
  faults?: string;
  /** Seed for faults and generated ids: the same seed reproduces the same run. */
  seed?: number;
  /** Virtual time: the clock jumps to the next timer whenever the emulator is quiet. */
  virtualTime?: boolean;
}

export interface RunningEmulator {
  /** Base URL for every service, e.g. http://127.0.0.1:4566. */
  endpoint: string;
  host: string;
  port: number;
  region: string;
  clock: Clock;
  bus: DeliveryBus;
  /** Providers by service name (in-process access for the harness). */
  providers: Record<string, Record<string, any>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULTS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 4566,
  region: DEFAULT_REGION,
  accountId: DEFAULT_ACCOUNT_ID,
  timeScale: 1,
  sqsMaxMessageSize: 1_048_576,
  strict: false,
  lambdaConcurrencyLimit: 1000,
  scaleFunctionTimeouts: false,
  verifySignatures: false,
  credentials: { test: 'test' },
};

/** Starts the embedded AWS emulator: S3, SQS, SNS, Lambda, … on one port. */
export async function startEmulator(opts: StartOptions = {}): Promise<RunningEmulator> {
  const options: EmulatorOptions = { ...DEFAULTS, ...stripUndefined(opts) };
  let isBusy = () => false;
  const auto = opts.virtualTime && !opts.clock ? new AutoAdvancingClock(() => isBusy()) : undefined;
  const clock = opts.clock ?? auto ?? new ScaledClock(options.timeScale);
  const bus = new DeliveryBus(clock);
  isBusy = () => bus.busy();
  if (opts.seed !== undefined) {
    // Ids (request ids, message ids, version ids) follow the seed too, so a replayed run names things alike.
    const idRandom = new SeededRandom(opts.seed ^ 0x5eed);
    setRandomSource((n) => idRandom.bytes(n));
  }
  if (opts.faults) {
    const injector = new FaultInjector(parseFaults(opts.faults), opts.seed ?? 1, bus);
    bus.setInterceptor(injector);
    bus.faults = injector;
  }
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const services = mountServices({ clock, bus, options });
  const providers = Object.fromEntries([...services].map(([name, s]) => [name, s.provider]));
  const signingSecrets = signingSecretsLookup(options.credentials, Object.values(providers));
  bus.answer<SigningSecretsQuestion, Record<string, string>>(SIGNING_SECRETS, async (q) => signingSecrets(q.accessKeyId, q.sessionToken, q.use));
  const persistence = options.dataDir ? new Persistence(options.dataDir, new Map(Object.entries(providers))) : undefined;
  await persistence?.restore();
  const reset = async () => {
    for (const s of services.values()) await s.provider.reset?.();
    persistence?.cleared();
  };
  const server = createServer(
    services,
    options,
    inspectionHandler(bus, () => [...services.keys()], reset),
    { error: (message, cause) => log(`[s3-event-harness] ${message}: ${(cause as Error)?.stack ?? String(cause)}`) },
    (work) => bus.track(work),
    persistence,
    clock,
  );
  // Idle keep-alive connections stay open until the client closes them (or stop()). Closing them after a timeout
  // races a client reusing one at that moment (ECONNRESET), and Node 20's Agent, as the SDK clients use it, ignores
  // the Keep-Alive hint meant to avoid that (it only applies it when the agent has a timeout of its own).
  server.keepAliveTimeout = 0;
  const address = await listen(server, options.host, options.port);
  options.port = address.port;
  auto?.start();
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const endpoint = `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${address.port}`;

  let stopped = false;
  return {
    endpoint,
    host: address.address,
    port: address.port,
    region: options.region,
    clock,
    bus,
    providers,
    reset,
    async stop() {
      if (stopped) return;
      stopped = true;
      auto?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      persistence?.close();
      for (const s of services.values()) await s.provider.close?.();
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
