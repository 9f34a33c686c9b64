import type { Timer } from '../core/clock';
import type { DeliveryMessage, Origin, SnsAttributeValue, SqsAttributeValue } from '../core/delivery';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { confirmationDocument, formatSnsJson, lambdaEvent, notificationEnvelope, signForSubscribers, subscribeUrl } from './envelope';
import { passesFilter } from './filter';
import { post, type PostOutcome } from './http-post';
import type { OwedDeliveries, OwedMessage } from './owed-deliveries';
import { EMULATOR_MANAGED_RETRY, httpDeliverySettings, retryDelay, type RetryPhases } from './retry';
import { deviceEntry, deviceOf, isEnabled } from './platform';
import { smsDelivery, smsText } from './sms';
import { isRaw, messageFor, type OutboxEntry, type PlatformApplication, type PlatformEndpoint, type PublishedMessage, type Subscription, type Topic } from './state';

/**
 * Fan-out of published messages to subscriptions, and what happens when a delivery fails.
 *
 * - sqs / lambda go through the delivery bus (`bus.dispatch`, after Publish has answered). Server-side
 *   failures (a receiver throwing anything but a 4xx AwsError) are retried on `managedRetry`; client-side
 *   failures (queue or function missing, policy refusal, more than 10 attributes on raw delivery) are not.
 * - http / https are real POSTs; 5xx and network errors are retried per the DeliveryPolicy on the emulator
 *   clock, other statuses are client-side failures.
 * - email / email-json, sms and application (mobile push) are captured in the outbox (nothing is sent).
 * Failed deliveries go to the subscription's RedrivePolicy DLQ (the envelope as body, the message attributes as
 * SQS attributes), else are dropped. Hops: sns.deliver, sns.filtered, sns.deliver.failed, sns.dlq, sns.dlq.failed.
 */

export interface SubscriptionLookup {
  subscription(arn: string): Subscription | undefined;
  findTopic(arn: string): Topic | undefined;
  /** The account's SMS settings in that Region (SetSMSAttributes). */
  smsSettings(accountId: string, region: string): Record<string, string>;
  /** Mobile push endpoints and applications, by ARN (`application` subscribers). */
  platformEndpoint(arn: string): PlatformEndpoint | undefined;
  platformApplication(arn: string): PlatformApplication | undefined;
}

/** SQS's limit on message attributes: more than this on raw delivery is a client-side error in SNS. */
const MAX_SQS_ATTRIBUTES = 10;
const USER_AGENT = 'Amazon Simple Notification Service Agent';

/** A 4xx AwsError (except throttling) means the destination refused for good: SNS does not retry. */
export function isClientError(err: unknown): boolean {
  return err instanceof AwsError && err.status >= 400 && err.status < 500 && err.status !== 429 && !/Throttl/i.test(err.code);
}

/** Protocols whose deliveries are retried, and so owed across a restart under `--data-dir`. */
const RETRIED = new Set(['sqs', 'lambda', 'http', 'https']);

const errorText = (err: unknown) => (err instanceof Error ? `${(err as AwsError).code ?? err.name}: ${err.message}` : String(err));

export class SnsDelivery {
  /** Captured email/email-json/http/https/sms deliveries, oldest first. */
  readonly outbox: OutboxEntry[] = [];
  /** Retry schedule for sqs/lambda subscribers (see retry.ts). */
  managedRetry: RetryPhases = EMULATOR_MANAGED_RETRY;
  /** `--data-dir` only: the deliveries still owed, persisted (absent otherwise: Publish pays nothing for it). */
  owed?: OwedDeliveries;
  /** Bumped by reset(): retries and timers from before it stop. */
  private generation = 0;
  private readonly timers = new Set<Timer>();
  /** Per topic, the latest message still waiting for its signatures: the next one is delivered after it. */
  private readonly signing = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly lookup: SubscriptionLookup,
  ) {}

  /** Runs `fn` after the current request has been answered, counted as bus activity (virtual time waits for it). */
  private later(fn: () => void): void {
    void this.deps.bus.track(
      new Promise<void>((resolve) =>
        setImmediate(() => {
          try {
            fn();
          } finally {
            resolve();
          }
        }),
      ),
    );
  }

  /** The fault injector's `sns-fail`: this attempt to this endpoint fails as a server-side error. */
  private injectedFault(sub: Subscription): AwsError | undefined {
    return this.deps.bus.faults.snsDeliveryFails(sub.endpoint)
      ? new AwsError('InternalFailure', `injected SNS delivery failure to ${sub.endpoint}`, 500)
      : undefined;
  }

  reset(): void {
    this.generation++;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.signing.clear();
    this.outbox.length = 0;
    this.owed?.reset();
  }

  /** After a restart: re-arms each delivery still owed at its due time (at once if that has passed). */
  resume({ message: m, deliveries }: OwedMessage): void {
    for (const d of [...deliveries.values()]) {
      const sub = this.lookup.subscription(d.subscriptionArn);
      if (!sub || sub.pending) this.owed?.settled(m, d.subscriptionArn);
      else this.deliver(sub, m, d.retries, Math.max(0, d.due - this.deps.clock.now()));
    }
  }

  /** Runs `fn` after `delayMs` of emulator time, unless reset() comes first. */
  private after(delayMs: number, fn: () => void): void {
    const timer = this.deps.clock.setTimer(delayMs, () => {
      this.timers.delete(timer);
      fn();
    });
    this.timers.add(timer);
  }

  /**
   * Delivers `m` to every confirmed subscription of `topic` whose filter policy matches (chosen now). When
   * they receive signed documents, delivery waits for the signatures, made off the event loop; a topic's
   * messages are still delivered in the order they were published.
   */
  fanOut(topic: Topic, m: PublishedMessage): void {
    const matched = this.matching(topic, m);
    this.owed?.owe(m, matched.filter((s) => RETRIED.has(s.protocol)).map((s) => s.arn), this.deps.clock.now());
    const signed = signForSubscribers(m, matched);
    const previous = this.signing.get(topic.arn);
    if (!signed && !previous) {
      for (const sub of matched) this.deliver(sub, m);
      return;
    }
    const generation = this.generation;
    // A failed background signature is not fatal: the envelope then signs on the spot.
    const ready = Promise.all([previous, signed?.catch(() => undefined)])
      .then(() => {
        if (generation === this.generation) for (const sub of matched) this.deliver(sub, m);
      })
      .catch((err) => this.deps.bus.record({ type: 'sns.deliver.failed', topicArn: m.topicArn, messageId: m.messageId, error: errorText(err) }));
    this.signing.set(topic.arn, ready);
    // Counted as activity, so virtual time and "is the emulator busy" see the pending deliveries.
    void this.deps.bus.track(ready).finally(() => {
      if (this.signing.get(topic.arn) === ready) this.signing.delete(topic.arn);
    });
  }

  private matching(topic: Topic, m: PublishedMessage): Subscription[] {
    const matched: Subscription[] = [];
    for (const arn of topic.subscriptions) {
      const sub = this.lookup.subscription(arn);
      if (!sub || sub.pending) continue;
      let passes: boolean;
      try {
        passes = passesFilter(sub, m);
      } catch {
        passes = false;
      }
      if (!passes) {
        this.hop('sns.filtered', sub, m);
        continue;
      }
      matched.push(sub);
    }
    return matched;
  }

  /** `retries` and `delayMs` resume a delivery restored after a restart (sqs, lambda, http/https). */
  private deliver(sub: Subscription, m: PublishedMessage, retries = 0, delayMs = 0): void {
    switch (sub.protocol) {
      case 'sqs':
        return this.deliverToQueue(sub, m, retries, delayMs);
      case 'lambda':
        return this.dispatchManaged(sub, m, { kind: 'lambda', payload: JSON.stringify(lambdaEvent(m, sub)) }, retries, delayMs);
      case 'http':
      case 'https':
        return this.deliverHttp(sub, m, retries, delayMs);
      case 'email':
      case 'email-json':
        return this.deliverEmail(sub, m);
      case 'sms':
        return this.deliverSms(sub, m);
      case 'application':
        return this.deliverToDevice(sub, m);
      default:
        // firehose: accepted as subscriptions, not delivered by the emulator.
        this.hop('sns.deliver.skipped', sub, m, { reason: `protocol ${sub.protocol} is not delivered by the emulator` });
    }
  }

  private origin(m: PublishedMessage, sub?: Subscription): Origin {
    return {
      principal: 'sns.amazonaws.com',
      sourceArn: m.topicArn,
      sourceAccount: parseArn(m.topicArn)?.accountId ?? '',
      correlation: { messageId: m.messageId, ...(sub ? { subscriptionArn: sub.arn } : {}), ...(m.traceHeader ? { traceHeader: m.traceHeader } : {}) },
    };
  }

  private hop(type: string, sub: Subscription, m: PublishedMessage, extra: Record<string, unknown> = {}): void {
    this.deps.bus.record({
      type,
      topicArn: m.topicArn,
      subscriptionArn: sub.arn,
      messageId: m.messageId,
      protocol: sub.protocol,
      endpoint: sub.endpoint,
      ...extra,
    });
  }

  private deliverToQueue(sub: Subscription, m: PublishedMessage, retries: number, delayMs: number): void {
    const raw = isRaw(sub);
    const attributeCount = Object.keys(m.attributes).length;
    if (raw && attributeCount > MAX_SQS_ATTRIBUTES) {
      const err = new AwsError('InvalidParameterValue', `Number of message attributes [${attributeCount}] exceeds the allowed maximum [${MAX_SQS_ATTRIBUTES}].`, 400);
      this.later(() => this.failed(sub, m, err, 'client-error', retries));
      return;
    }
    const queueFifo = sub.endpoint.endsWith('.fifo');
    this.dispatchManaged(sub, m, {
      kind: 'sqs',
      body: raw ? messageFor(m, 'sqs') : notificationEnvelope(m, sub),
      messageAttributes: raw && attributeCount > 0 ? toSqsAttributes(m.attributes) : undefined,
      // The group id goes to FIFO queue subscribers only; the topic's dedup id keeps the queue from duplicating.
      messageGroupId: queueFifo ? m.messageGroupId : undefined,
      messageDeduplicationId: queueFifo ? m.messageDeduplicationId : undefined,
    }, retries, delayMs);
  }

  /** One attempt through the bus; a failure schedules the next one (or gives up) per `managedRetry`. */
  private dispatchManaged(sub: Subscription, m: PublishedMessage, msg: DeliveryMessage, retry = 0, delayMs = 0): void {
    const generation = this.generation;
    const origin = this.origin(m, sub);
    this.hop('sns.deliver', sub, m, { attempt: retry + 1 });
    const onFailure = (err: unknown) => {
      if (generation !== this.generation) return;
      if (!this.lookup.subscription(sub.arn)) return this.owed?.settled(m, sub.arn);
      if (isClientError(err)) return this.failed(sub, m, err, 'client-error', retry + 1);
      const next = retryDelay(this.managedRetry, retry + 1);
      if (next === undefined) return this.failed(sub, m, err, 'retries-exhausted', retry + 1);
      this.owed?.retrying(m, sub.arn, retry + 1, this.deps.clock.now() + next);
      this.dispatchManaged(sub, m, msg, retry + 1, next);
    };
    const owed = this.owed;
    const onDelivered = owed && (() => owed.settled(m, sub.arn));
    // A missing destination (or, in strict mode, a refusing policy) is known now: fail it without a dispatch.
    try {
      this.deps.bus.check(sub.endpoint, origin);
    } catch (err) {
      this.later(() => onFailure(err));
      return;
    }
    const fault = this.injectedFault(sub);
    if (fault) {
      const fail = () => this.later(() => onFailure(fault));
      if (delayMs > 0) this.deps.clock.setTimer(delayMs, fail);
      else fail();
      return;
    }
    this.deps.bus.dispatch(sub.endpoint, msg, origin, { delayMs, onFailure, onDelivered });
  }

  /** Email and SMS are captured in the outbox on the next tick (a reset in between drops them), once. */
  private capture(sub: Subscription, m: PublishedMessage, entry: () => OutboxEntry): void {
    const generation = this.generation;
    this.later(() => {
      if (generation !== this.generation) return;
      const fault = this.injectedFault(sub);
      if (fault) return this.failed(sub, m, fault, 'retries-exhausted', 1);
      this.outbox.push(entry());
      this.hop('sns.deliver', sub, m, { attempt: 1 });
    });
  }

  private deliverEmail(sub: Subscription, m: PublishedMessage): void {
    const json = sub.protocol === 'email-json';
    this.capture(sub, m, () => ({
      protocol: sub.protocol as 'email' | 'email-json',
      endpoint: sub.endpoint,
      subscriptionArn: sub.arn,
      topicArn: m.topicArn,
      type: 'Notification',
      messageId: m.messageId,
      subject: m.subject ?? 'AWS Notification Message',
      body: json ? notificationEnvelope(m, sub) : messageFor(m, sub.protocol),
      time: this.deps.clock.now(),
    }));
  }

  /** As the phone would show it: the topic's display name first, no subject. */
  private deliverSms(sub: Subscription, m: PublishedMessage): void {
    this.capture(sub, m, () => {
      const topic = this.lookup.findTopic(sub.topicArn);
      const owner = parseArn(sub.topicArn);
      const account = owner ? this.lookup.smsSettings(owner.accountId, owner.region) : {};
      return {
        protocol: 'sms',
        endpoint: sub.endpoint,
        subscriptionArn: sub.arn,
        topicArn: m.topicArn,
        type: 'Notification',
        messageId: m.messageId,
        body: smsText(topic?.attributes.DisplayName, messageFor(m, 'sms')),
        ...smsDelivery(account, m.attributes),
        time: this.deps.clock.now(),
      };
    });
  }

  /**
   * Captured in the outbox as the device would get it: the platform's own entry of a json message structure, else
   * `default`. A disabled endpoint is skipped; one deleted since subscribing is a failed delivery (to the DLQ if any).
   */
  private deliverToDevice(sub: Subscription, m: PublishedMessage): void {
    const generation = this.generation;
    this.later(() => {
      if (generation !== this.generation) return;
      const device = deviceOf(this.lookup, sub.endpoint);
      if (!device) return this.failed(sub, m, new AwsError('EndpointNotFound', `no platform endpoint ${sub.endpoint}`, 400), 'client-error', 1);
      if (!isEnabled(device.endpoint)) return this.hop('sns.deliver.skipped', sub, m, { reason: 'endpoint disabled' });
      const fault = this.injectedFault(sub);
      if (fault) return this.failed(sub, m, fault, 'retries-exhausted', 1);
      const entry = deviceEntry(device, messageFor(m, device.app.platform), m.messageId, this.deps.clock.now(), { subscriptionArn: sub.arn, topicArn: m.topicArn });
      this.outbox.push(entry);
      this.hop('sns.deliver', sub, m, { attempt: 1 });
    });
  }

  private deliverHttp(sub: Subscription, m: PublishedMessage, retries: number, delayMs: number): void {
    const raw = isRaw(sub);
    const topic = this.lookup.findTopic(sub.topicArn);
    const { phases, contentType } = httpDeliverySettings(topic?.attributes.DeliveryPolicy, sub.attributes.DeliveryPolicy);
    const headers: Record<string, string> = {
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': m.messageId,
      'x-amz-sns-topic-arn': m.topicArn,
      'x-amz-sns-subscription-arn': sub.arn,
      'content-type': contentType,
      'user-agent': USER_AGENT,
      ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
    };
    const entry: OutboxEntry = {
      protocol: sub.protocol as 'http' | 'https',
      endpoint: sub.endpoint,
      subscriptionArn: sub.arn,
      topicArn: m.topicArn,
      type: 'Notification',
      messageId: m.messageId,
      subject: m.subject,
      body: raw ? messageFor(m, sub.protocol) : notificationEnvelope(m, sub),
      time: this.deps.clock.now(),
      status: 'pending',
      attempts: retries,
    };
    this.outbox.push(entry);
    this.hop('sns.deliver', sub, m, { attempt: retries + 1 });
    const attempt = () => this.postWithRetries(entry, headers, phases, retries, sub, m);
    if (delayMs > 0) this.after(delayMs, attempt);
    else this.later(attempt);
  }

  /**
   * POSTs `entry.body`, retrying 5xx/network failures per `phases` on the emulator clock. `m`: the notification's
   * message, which goes to the DLQ when the endpoint refuses (none for a subscription confirmation).
   */
  private postWithRetries(entry: OutboxEntry, headers: Record<string, string>, phases: RetryPhases, retry: number, sub: Subscription, m?: PublishedMessage): void {
    const generation = this.generation;
    const fault = entry.type === 'Notification' ? this.injectedFault(sub) : undefined;
    const attempt: Promise<PostOutcome> = fault
      ? Promise.resolve({ kind: 'retry', error: fault.message })
      : this.deps.bus.track(post(entry.endpoint, entry.body, headers));
    void attempt.then((outcome) => {
      if (generation !== this.generation) return;
      entry.attempts = (entry.attempts ?? 0) + 1;
      if (outcome.kind === 'delivered') {
        entry.status = 'delivered';
        if (m) this.owed?.settled(m, sub.arn);
        return;
      }
      // An unsubscribed endpoint gets no more retries (confirmations have no subscription to check yet).
      if (m && !this.lookup.subscription(sub.arn)) return this.owed?.settled(m, sub.arn);
      const next = outcome.kind === 'retry' ? retryDelay(phases, retry + 1) : undefined;
      if (next === undefined) {
        entry.status = 'failed';
        if (m) this.failed(sub, m, new Error(outcome.error), outcome.kind === 'retry' ? 'retries-exhausted' : 'client-error', entry.attempts ?? 0);
        return;
      }
      if (m) this.owed?.retrying(m, sub.arn, retry + 1, this.deps.clock.now() + next);
      this.after(next, () => this.postWithRetries(entry, headers, phases, retry + 1, sub, m));
    });
  }

  /** The subscription confirmation: POSTed to http/https endpoints, captured in the outbox for email. */
  sendConfirmation(sub: Subscription, topic: Topic, messageId: string, endpoint: string): void {
    const doc = confirmationDocument({
      messageId,
      token: sub.token,
      topicArn: topic.arn,
      timestamp: new Date(this.deps.clock.now()).toISOString(),
      endpoint,
      signatureVersion: topic.attributes.SignatureVersion ?? '1',
    });
    const base = {
      endpoint: sub.endpoint,
      subscriptionArn: sub.arn,
      topicArn: topic.arn,
      type: 'SubscriptionConfirmation' as const,
      messageId,
      time: this.deps.clock.now(),
    };
    if (sub.protocol === 'email' || sub.protocol === 'email-json') {
      this.outbox.push({
        ...base,
        protocol: sub.protocol,
        subject: 'AWS Notification - Subscription Confirmation',
        body:
          sub.protocol === 'email-json'
            ? formatSnsJson(doc)
            : `You have chosen to subscribe to the topic: \n${topic.arn}\n\nTo confirm this subscription, click or visit the link below ` +
              `(If this was in error no action is necessary): \nConfirm subscription: ${subscribeUrl(endpoint, topic.arn, sub.token)}`,
      });
      return;
    }
    if (sub.protocol !== 'http' && sub.protocol !== 'https') return;
    const { phases, contentType } = httpDeliverySettings(topic.attributes.DeliveryPolicy, sub.attributes.DeliveryPolicy);
    const entry: OutboxEntry = { ...base, protocol: sub.protocol, body: formatSnsJson(doc), status: 'pending', attempts: 0 };
    this.outbox.push(entry);
    this.deps.bus.record({ type: 'sns.confirmation', topicArn: topic.arn, subscriptionArn: sub.arn, endpoint: sub.endpoint, messageId });
    const headers = {
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': topic.arn,
      'content-type': contentType,
      'user-agent': USER_AGENT,
    };
    // POSTed once Subscribe has answered, as long as the subscription still exists.
    this.later(() => {
      if (this.lookup.subscription(sub.arn)) this.postWithRetries(entry, headers, phases, 0, sub);
    });
  }

  /** A delivery that will not succeed: traced, then sent to the subscription's DLQ if it has one. */
  private failed(sub: Subscription, m: PublishedMessage, err: unknown, reason: 'client-error' | 'retries-exhausted', attempts: number): void {
    this.hop('sns.deliver.failed', sub, m, { reason, error: errorText(err), attempts });
    const dlq = deadLetterTarget(sub);
    if (!dlq) return this.owed?.settled(m, sub.arn);
    const attributeCount = Object.keys(m.attributes).length;
    const fifoDlq = dlq.endsWith('.fifo');
    const message: DeliveryMessage = {
      kind: 'sqs',
      body: notificationEnvelope(m, sub),
      messageAttributes: attributeCount > 0 && attributeCount <= MAX_SQS_ATTRIBUTES ? toSqsAttributes(m.attributes) : undefined,
      messageGroupId: fifoDlq ? m.messageGroupId : undefined,
      messageDeduplicationId: fifoDlq ? (m.messageDeduplicationId ?? m.messageId) : undefined,
    };
    void this.deps.bus
      .track(this.deps.bus.sendNow(dlq, message, this.origin(m, sub)))
      .then(() => this.hop('sns.dlq', sub, m, { deadLetterTargetArn: dlq }))
      .catch((e) => this.hop('sns.dlq.failed', sub, m, { deadLetterTargetArn: dlq, error: errorText(e) }))
      .finally(() => this.owed?.settled(m, sub.arn));
  }
}

/** The DLQ ARN from a subscription's RedrivePolicy, if any. */
export function deadLetterTarget(sub: Subscription): string | undefined {
  const text = sub.attributes.RedrivePolicy;
  if (!text) return undefined;
  try {
    const arn = JSON.parse(text)?.deadLetterTargetArn;
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
}

/** SNS attributes as SQS attributes (same shape; `String.Array` stays a custom String type). */
export function toSqsAttributes(attrs: Record<string, SnsAttributeValue>): Record<string, SqsAttributeValue> {
  const out: Record<string, SqsAttributeValue> = {};
  for (const [name, a] of Object.entries(attrs)) {
    out[name] = a.BinaryValue !== undefined ? { DataType: a.DataType, BinaryValue: a.BinaryValue } : { DataType: a.DataType, StringValue: a.StringValue };
  }
  return out;
}
