import { Readable } from 'node:stream';
import { VirtualClock } from '../../emulator/core/clock';
import type { RequestContext } from '../../emulator/core/context';
import { DeliveryBus, type DeliveryMessage, type Origin } from '../../emulator/core/delivery';
import { AwsError } from '../../emulator/core/errors';
import type { EmulatorOptions, ServiceDeps } from '../../emulator/core/service';
import { createS3Provider, type S3ProviderOptions } from '../../emulator/s3';

/** Builds an S3 provider over a VirtualClock and a DeliveryBus, with recording fake receivers. */
export const OPTIONS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  region: 'us-east-1',
  accountId: '000000000000',
  timeScale: 1,
  sqsMaxMessageSize: 1024 * 1024,
  strict: false,
  lambdaConcurrencyLimit: 10,
  scaleFunctionTimeouts: false,
  verifySignatures: false,
  credentials: { test: 'test' },
};

export interface Delivery {
  arn: string;
  message: DeliveryMessage;
  origin: Origin;
}

/** A fake destination service: records what arrives; `refuse` makes check/receive fail for an ARN. */
export class FakeReceiver {
  readonly received: Delivery[] = [];
  readonly refuse = new Map<string, string>();
  check(arn: string): void {
    const why = this.refuse.get(arn);
    if (why) throw new AwsError('AccessDenied', why, 403);
  }
  async receive(arn: string, message: DeliveryMessage, origin: Origin): Promise<void> {
    this.check(arn);
    this.received.push({ arn, message, origin });
  }
}

let counter = 0;
export function ctx(overrides: Partial<RequestContext> = {}): RequestContext {
  counter++;
  return {
    region: 'us-east-1',
    accountId: '000000000000',
    requestId: `REQ${String(counter).padStart(13, '0')}`,
    hostId: `host-${counter}`,
    endpoint: 'http://127.0.0.1:4566',
    sourceIp: '10.1.2.3',
    accessKeyId: 'AKIATEST',
    headers: {},
    operation: '',
    ...overrides,
  };
}

export function setup(options: S3ProviderOptions = {}) {
  const clock = new VirtualClock();
  const bus = new DeliveryBus(clock);
  const deps: ServiceDeps = { clock, bus, options: OPTIONS };
  const s3 = createS3Provider(deps, options);
  const sqs = new FakeReceiver();
  const sns = new FakeReceiver();
  const lambda = new FakeReceiver();
  bus.register('sqs', sqs);
  bus.register('sns', sns);
  bus.register('lambda', lambda);
  const hops: Record<string, unknown>[] = [];
  bus.onHop((h) => hops.push(h));
  return { clock, bus, deps, s3, sqs, sns, lambda, hops };
}

/** Catches the AwsError a call throws. */
export async function awsError(p: Promise<unknown> | (() => unknown)): Promise<AwsError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError, but the call succeeded');
}

/** A Readable that yields `data` in the given chunk sizes (cycled). */
export function chunkedStream(data: Buffer, sizes: number[]): Readable {
  const parts: Buffer[] = [];
  let pos = 0;
  let i = 0;
  while (pos < data.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    parts.push(data.subarray(pos, pos + n));
    pos += n;
  }
  return Readable.from(parts, { objectMode: false });
}

export const mib = (n: number): number => n * 1024 * 1024;
