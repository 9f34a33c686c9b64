import type { Clock } from './clock';
import { AwsError } from './errors';
import { parseArn } from './ids';
import { NO_FAULT_HOOKS, type FaultHooks } from './faults';

/**
 * The only way services reach each other. S3 notifies, SNS fans out, Lambda dead-letters and invokes
 * through this bus; none of them touches another's state. Time (delays), faults and the trace hook in
 * here, so they live in one place.
 */

/** An SQS message attribute, in the SQS API's shape. */
export interface SqsAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** An SNS message attribute, in the SNS API's shape. */
export interface SnsAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export type DeliveryMessage =
  | {
      kind: 'sqs';
      body: string;
      messageAttributes?: Record<string, SqsAttributeValue>;
      messageGroupId?: string;
      messageDeduplicationId?: string;
      /** e.g. AWSTraceHeader, or DeadLetterQueueSourceArn on redrive. */
      systemAttributes?: Record<string, string>;
      delaySeconds?: number;
    }
  | {
      kind: 'sns';
      message: string;
      subject?: string;
      messageAttributes?: Record<string, SnsAttributeValue>;
      messageStructure?: string;
      messageGroupId?: string;
      messageDeduplicationId?: string;
    }
  | {
      kind: 'lambda';
      /** The event, as JSON text. */
      payload: string;
    }
  | {
      /** An EventBridge event (the envelope: version, id, detail-type, source, account, time, region, resources, detail). */
      kind: 'event';
      event: Record<string, unknown>;
    }
  | {
      /** Log events for a log group (an EventBridge rule's target), into the named stream (created if missing). */
      kind: 'logs';
      logStreamName: string;
      events: { timestamp: number; message: string }[];
    }
  | {
      /** An object an AWS service writes into a bucket (a Logs export task): stored and notified as a PutObject. */
      kind: 's3';
      key: string;
      body: Buffer;
      contentType?: string;
      contentEncoding?: string;
    };

/** Who is delivering: resource policies are checked against it (strict mode), and it is traced. */
export interface Origin {
  /** The service principal, e.g. `s3.amazonaws.com`, `sns.amazonaws.com`, `lambda.amazonaws.com`. */
  principal: string;
  /** ARN of the sending resource (bucket, topic, function, queue). */
  sourceArn: string;
  sourceAccount: string;
  /** Ids that tie this hop to earlier ones (request id, message id, version id…), for the trace. */
  correlation?: Record<string, string>;
}

/**
 * The sender's correlation ids as a receiver records them next to its own: the sender's `messageId`
 * becomes `sourceMessageId`, so the receiver's own message id does not overwrite it (or the reverse).
 */
export function carriedCorrelation(correlation: Record<string, string> | undefined): Record<string, string> {
  if (!correlation) return {};
  const { messageId, ...rest } = correlation;
  return messageId ? { ...rest, sourceMessageId: messageId } : rest;
}

export interface DeliveryReceiver {
  /** Throws an AwsError if the destination does not exist or refuses this origin. */
  check(destinationArn: string, origin: Origin): void;
  /** Accepts one message. Throws an AwsError when it is refused. */
  receive(destinationArn: string, message: DeliveryMessage, origin: Origin): Promise<void>;
}

/** One step of an event's journey, as recorded in the trace. */
export interface Hop {
  /** e.g. `s3.write`, `notification.emitted`, `sqs.send`, `sqs.receive`, `lambda.invoke.start`. */
  type: string;
  /** Emulated time (clock.now()). */
  time: number;
  /** Real time. */
  wallTime: number;
  [field: string]: unknown;
}

export type HopListener = (hop: Hop) => void;

/** A fault or delay policy consulted for every asynchronous dispatch (extended by the fault injector). */
export interface DispatchInterceptor {
  /** Returns the dispatches to make for this one: [] drops it, two entries duplicate it, delayMs delays it. */
  plan(
    destinationArn: string,
    message: DeliveryMessage,
    origin: Origin,
    delayMs: number,
  ): { delayMs: number; /** Checked when the delivery is due: false drops it (coalescing). */ guard?: () => boolean }[];
}

export class DeliveryBus {
  private readonly receivers = new Map<string, DeliveryReceiver>();
  /** Each listener with the hop types it wants (undefined: all). */
  private readonly listeners = new Map<HopListener, ReadonlySet<string> | undefined>();
  private readonly queries = new Map<string, (args: any) => Promise<any>>();
  private interceptor: DispatchInterceptor | undefined;
  /** Fault hooks services consult (function faults, duplicate receives, lost deletes…); none by default. */
  faults: FaultHooks = NO_FAULT_HOOKS;
  private inFlight = 0;
  /** Work under way now (requests being served, invocations running, deliveries being received). */
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly clock: Clock) {}

  /** A service registers itself as the receiver for ARNs of its kind (`arn:aws:<service>:…`). */
  register(service: string, receiver: DeliveryReceiver): void {
    this.receivers.set(service, receiver);
  }

  /** Named read-only questions one service answers for another (e.g. `s3.getObject` for Lambda code). */
  answer<A, R>(name: string, fn: (args: A) => Promise<R>): void {
    this.queries.set(name, fn);
  }
  async ask<A, R>(name: string, args: A): Promise<R> {
    const fn = this.queries.get(name);
    if (!fn) throw new AwsError('InternalError', `no service answers ${name}`, 500);
    return fn(args) as Promise<R>;
  }

  setInterceptor(interceptor: DispatchInterceptor | undefined): void {
    this.interceptor = interceptor;
  }

  private receiverFor(destinationArn: string): DeliveryReceiver {
    const service = parseArn(destinationArn)?.service;
    const receiver = service ? this.receivers.get(service) : undefined;
    if (!receiver) throw new AwsError('InvalidArgument', `Unsupported destination: ${destinationArn}`, 400);
    return receiver;
  }

  /** Validates a destination now (S3 notification configuration, subscriptions, DLQ targets). */
  check(destinationArn: string, origin: Origin): void {
    this.receiverFor(destinationArn).check(destinationArn, origin);
  }

  /** Delivers and waits for acceptance: for senders that must know the outcome (test events, DLQ sends). */
  async sendNow(destinationArn: string, message: DeliveryMessage, origin: Origin): Promise<void> {
    await this.receiverFor(destinationArn).receive(destinationArn, message, origin);
  }

  /**
   * Delivers asynchronously, after the sender has answered its own client. Failures are traced, not
   * thrown; `onFailure` lets the sender apply its own retry/DLQ rules, `onDelivered` learn it was accepted.
   */
  dispatch(
    destinationArn: string,
    message: DeliveryMessage,
    origin: Origin,
    opts: { delayMs?: number; onFailure?: (err: unknown) => void; onDelivered?: () => void; hopType?: string } = {},
  ): void {
    const baseDelay = opts.delayMs ?? 0;
    const plans = this.interceptor ? this.interceptor.plan(destinationArn, message, origin, baseDelay) : [{ delayMs: baseDelay }];
    for (const plan of plans as { delayMs: number; guard?: () => boolean }[]) {
      this.inFlight++;
      const run = () => {
        if (plan.guard && !plan.guard()) {
          this.settle();
          return;
        }
        // Resolving the receiver inside the chain: an unknown destination is a failed delivery, not a crash.
        this.track(Promise.resolve().then(() => this.receiverFor(destinationArn).receive(destinationArn, message, origin)))
          // One link either way (no extra promise per message when nobody listens for acceptance); the sender's own
          // callback failing is traced, not an unhandled rejection.
          .then(
            opts.onDelivered && (() => this.callBack(destinationArn, opts.onDelivered!)),
            (err) => {
              this.record({ type: 'delivery.failed', destination: destinationArn, error: String((err as Error)?.message ?? err), ...origin.correlation });
              if (opts.onFailure) this.callBack(destinationArn, () => opts.onFailure!(err));
            },
          )
          .finally(() => this.settle());
      };
      if (plan.delayMs > 0) this.clock.setTimer(plan.delayMs, run);
      else setImmediate(run);
    }
  }

  private callBack(destinationArn: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.record({ type: 'delivery.callback.failed', destination: destinationArn, error: String((err as Error)?.message ?? err) });
    }
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Counts `work` as activity until it settles: virtual time does not move while anything is active. */
  track<T>(work: Promise<T>): Promise<T> {
    this.active++;
    return work.finally(() => {
      this.active--;
    });
  }

  /** True while a request, an invocation or a delivery is under way. */
  busy(): boolean {
    return this.active > 0;
  }

  /** Resolves once no dispatched delivery is pending (delayed ones count as pending). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Hears every hop, or with `types` only hops of those types (a hop nobody wants costs nothing to record). */
  onHop(listener: HopListener, types?: Iterable<string>): () => void {
    const wanted = types ? new Set(types) : undefined;
    // A listener added twice is called once, with the types of its latest registration.
    this.listeners.set(listener, wanted);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records one hop of the trace. Cheap when nobody listens. The object passed becomes the recorded hop (its
   * time and wallTime are set on it, not on a copy): pass a fresh one, as every caller does.
   */
  record(hop: Omit<Hop, 'time' | 'wallTime'>): void {
    if (this.listeners.size === 0) return;
    let full: Hop | undefined;
    for (const [l, types] of this.listeners) {
      if (types && !types.has(hop.type as string)) continue;
      if (!full) {
        full = hop as Hop;
        full.time = this.clock.now();
        full.wallTime = Date.now();
      }
      l(full);
    }
  }
}
