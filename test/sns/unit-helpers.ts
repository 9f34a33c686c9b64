import { VirtualClock } from '../../emulator/core/clock';
import type { RequestContext } from '../../emulator/core/context';
import { DeliveryBus, type DeliveryMessage, type Hop, type Origin } from '../../emulator/core/delivery';
import { AwsError } from '../../emulator/core/errors';
import type { EmulatorOptions } from '../../emulator/core/service';
import { createSnsProvider, type SnsProvider } from '../../emulator/sns';
import { waitFor } from '../../harness/wait';

/**
 * An SNS provider on a virtual clock, with stand-in SQS and Lambda receivers on the bus that record what
 * they are given (so unit tests see exactly what SNS dispatches, without the other providers).
 */
export interface Received {
  arn: string;
  message: DeliveryMessage;
  origin: Origin;
}

export interface UnitSetup {
  clock: VirtualClock;
  bus: DeliveryBus;
  sns: SnsProvider;
  ctx: RequestContext;
  /** Existing queue / function ARNs (deliveries to others fail as a missing destination would). */
  queues: Set<string>;
  functions: Set<string>;
  received: Received[];
  hops: Hop[];
  /** Per destination: called on each receive; a returned error is thrown by the receiver. */
  faults: Map<string, () => Error | undefined>;
  /** Attempts per destination, successful or not. */
  attempts: Map<string, number>;
  queueArn(name: string): string;
  functionArn(name: string): string;
  topic(name?: string, attributes?: Record<string, string>): Promise<string>;
  /** Waits until `n` deliveries have arrived at `arn` and returns them. */
  arrivals(arn: string, n: number): Promise<Received[]>;
  hopsOf(type: string): Hop[];
}

export const OPTIONS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 4566,
  region: 'us-east-1',
  accountId: '000000000000',
  timeScale: 1,
  sqsMaxMessageSize: 1_048_576,
  strict: false,
  lambdaConcurrencyLimit: 1000,
  scaleFunctionTimeouts: false,
  verifySignatures: false,
  credentials: {},
} as EmulatorOptions;

/**
 * Every provider unitSetup() made in this file, closed after its tests. A new provider starts generating its
 * signing key on libuv's thread pool (150–600 ms, longer on a busy machine); that job cannot be unref'd, so a
 * file that ends sooner and never awaits close() keeps its jest worker alive past jest's 500 ms exit grace
 * ("A worker process has failed to exit gracefully and has been force exited").
 */
const opened: SnsProvider[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((sns) => sns.close()));
});

export function unitSetup(opts: Partial<EmulatorOptions> = {}): UnitSetup {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 123));
  const bus = new DeliveryBus(clock);
  const queues = new Set<string>();
  const functions = new Set<string>();
  const received: Received[] = [];
  const hops: Hop[] = [];
  const faults = new Map<string, () => Error | undefined>();
  const attempts = new Map<string, number>();
  bus.onHop((h) => hops.push(h));

  const standIn = (existing: Set<string>, missing: () => AwsError) => ({
    check(arn: string) {
      if (!existing.has(arn)) throw new AwsError('InvalidArgument', `${arn} does not exist`, 400);
    },
    async receive(arn: string, message: DeliveryMessage, origin: Origin) {
      attempts.set(arn, (attempts.get(arn) ?? 0) + 1);
      if (!existing.has(arn)) throw missing();
      const err = faults.get(arn)?.();
      if (err) throw err;
      received.push({ arn, message, origin });
    },
  });
  bus.register('sqs', standIn(queues, () => new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400)));
  bus.register('lambda', standIn(functions, () => new AwsError('ResourceNotFoundException', 'Function not found', 404)));

  const sns = createSnsProvider({ clock, bus, options: { ...OPTIONS, ...opts } });
  opened.push(sns);
  const ctx: RequestContext = {
    region: 'us-east-1',
    accountId: '000000000000',
    requestId: 'req-1',
    hostId: 'host',
    endpoint: 'http://127.0.0.1:4566',
    sourceIp: '127.0.0.1',
    accessKeyId: 'test',
    headers: {},
    operation: '',
  };
  let topicCount = 0;

  return {
    clock,
    bus,
    sns,
    ctx,
    queues,
    functions,
    received,
    hops,
    faults,
    attempts,
    queueArn(name) {
      const arn = `arn:aws:sqs:us-east-1:000000000000:${name}`;
      queues.add(arn);
      return arn;
    },
    functionArn(name) {
      const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
      functions.add(arn);
      return arn;
    },
    async topic(name = `topic-${++topicCount}`, attributes) {
      const out = await sns.CreateTopic({ Name: name, Attributes: attributes }, ctx);
      return out.TopicArn!;
    },
    arrivals(arn, n) {
      return waitFor(
        () => {
          const got = received.filter((r) => r.arn === arn);
          return got.length >= n ? got : undefined;
        },
        { what: `${n} deliveries to ${arn}`, describe: () => `received: ${JSON.stringify(received.map((r) => r.arn))}` },
      );
    },
    hopsOf(type) {
      return hops.filter((h) => h.type === type);
    },
  };
}

/** The text a delivery carries (SQS body, Lambda payload, SNS message, EventBridge event). */
export function bodyOf(r: Received): string {
  const m = r.message;
  if (m.kind === 'sqs') return m.body;
  if (m.kind === 'lambda') return m.payload;
  if (m.kind === 'sns') return m.message;
  if (m.kind === 'logs') return JSON.stringify(m.events);
  if (m.kind === 's3') return m.body.toString('utf8');
  return JSON.stringify(m.event);
}

/** Runs `fn` and returns the AwsError it throws (fails the test if it does not throw). */
export async function awsErrorOf(fn: () => unknown): Promise<AwsError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}
