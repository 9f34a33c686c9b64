import { signingKeyWarmUpDone, warmUpSigningKey } from './signing';
import type { ServiceDeps } from '../core/service';
import { SnsDelivery } from './delivery';
import { snsOperations } from './provider';
import { createPublisher } from './publish';
import { createReceiver } from './receiver';
import { AWS_MANAGED_RETRY, EMULATOR_MANAGED_RETRY, type RetryPhases } from './retry';
import { publicKeyPem } from './signing';
import type { OutboxEntry } from './state';
import { OwedDeliveries } from './owed-deliveries';
import { snsPersistence } from './persistence';
import { SnsStore } from './store';

/**
 * SNS: standard and FIFO topics, subscriptions (sqs, lambda, http/https, email/email-json, sms, application), Publish
 * and PublishBatch with filter policies, raw delivery, FIFO deduplication, delivery retries and subscription DLQs,
 * mobile push platform applications and endpoints (platform.ts).
 *
 * In-process API for the harness (methods on the provider, never over HTTP):
 *   outbox(): OutboxEntry[]          what email/email-json/http/https subscribers, SMS numbers and mobile devices
 *                                    were sent, oldest first: {protocol, endpoint, subscriptionArn, topicArn, type,
 *                                    messageId, subject, body, time, status?, attempts?, smsType?, senderId?,
 *                                    platform?, token?}
 *   clearOutbox(): void
 *   setManagedRetry(phases | 'aws' | 'emulator')  retry schedule for sqs/lambda subscribers (retry.ts)
 *   signingPublicKey(): string       PEM of the key that signs envelopes (Signature verifies against it)
 * The same through the delivery bus (`bus.ask(name, args)`):
 *   'sns.outbox'        {}  → OutboxEntry[]
 *   'sns.outbox.clear'  {}  → void
 * Deliveries: registered on the bus as the receiver for `arn:aws:sns:…` (`kind: 'sns'` messages publish).
 * Trace hops: sns.create-topic, sns.delete-topic, sns.subscribe, sns.confirm, sns.confirmation, sns.unsubscribe,
 * sns.publish, sns.publish.deduplicated, sns.filtered, sns.deliver, sns.deliver.failed, sns.deliver.skipped,
 * sns.dlq, sns.dlq.failed.
 *
 * Differences from AWS (by choice): email/email-json subscriptions are confirmed at once (the confirmation
 * message is still kept in the outbox); sqs/lambda retries stop after ~27 s of emulated time by default
 * (`setManagedRetry('aws')` restores the 23-day schedule); SigningCertURL names AWS's host, so verify
 * signatures with `signingPublicKey()`.
 *
 * With `--data-dir` (persistence.ts), deliveries still owed to sqs/lambda/http/https subscribers (first attempt or
 * a retry, with its count and due time) and FIFO deduplication windows and sequence numbers survive a restart.
 */
export interface SnsProviderOptions {
  /** Retry schedule for sqs/lambda subscribers (default EMULATOR_MANAGED_RETRY). */
  managedRetry?: RetryPhases;
}

export function createSnsProvider(deps: ServiceDeps, opts: SnsProviderOptions = {}) {
  warmUpSigningKey();
  const store = new SnsStore();
  const delivery = new SnsDelivery(deps, store);
  if (opts.managedRetry) delivery.managedRetry = opts.managedRetry;
  const now = () => deps.clock.now();
  // Only with --data-dir are owed deliveries and FIFO windows recorded: without it Publish does nothing extra.
  if (deps.options.dataDir) delivery.owed = new OwedDeliveries();
  const persistence = delivery.owed ? snsPersistence(store, delivery, delivery.owed, now) : undefined;
  const publisher = createPublisher(delivery, now, (hop) => deps.bus.record(hop), persistence?.fifoPublished);

  const outbox = (): OutboxEntry[] => delivery.outbox.map((e) => ({ ...e }));
  const clearOutbox = (): void => {
    delivery.outbox.length = 0;
  };
  deps.bus.register('sns', createReceiver(deps, store, publisher));
  deps.bus.answer('sns.outbox', async () => outbox());
  deps.bus.answer('sns.outbox.clear', async () => clearOutbox());

  return {
    ...snsOperations(deps, store, delivery, publisher),
    reset(): void {
      store.reset();
      delivery.reset();
    },
    async close(): Promise<void> {
      delivery.reset();
      await signingKeyWarmUpDone();
    },
    outbox,
    clearOutbox,
    setManagedRetry(phases: RetryPhases | 'aws' | 'emulator'): void {
      delivery.managedRetry = phases === 'aws' ? AWS_MANAGED_RETRY : phases === 'emulator' ? EMULATOR_MANAGED_RETRY : phases;
    },
    signingPublicKey: publicKeyPem,
    persistence,
  };
}

export type SnsProvider = ReturnType<typeof createSnsProvider>;
export type { OutboxEntry } from './state';
export { AWS_MANAGED_RETRY, EMULATOR_MANAGED_RETRY, type RetryPhases } from './retry';
