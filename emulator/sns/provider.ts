import type { ServiceDeps } from '../core/service';
import type { SnsDelivery } from './delivery';
import { publishOperations, type Publisher } from './publish';
import type { SnsStore } from './store';
import { platformOperations } from './platform';
import { smsOperations } from './sms';
import { smsSandboxOperations } from './sms-sandbox';
import { subscriptionOperations } from './subscriptions';
import { topicOperations } from './topics';

/**
 * Every SNS operation the emulator serves, one method each, named as the operation and taking the SDK's
 * input shape: topics (topics.ts), subscriptions (subscriptions.ts), Publish/PublishBatch (publish.ts), SMS settings
 * (sms.ts) and sandbox numbers (sms-sandbox.ts), mobile push applications and endpoints (platform.ts).
 */
export function snsOperations(deps: ServiceDeps, store: SnsStore, delivery: SnsDelivery, publisher: Publisher) {
  return {
    ...topicOperations(deps, store),
    ...subscriptionOperations(deps, store, delivery),
    ...publishOperations(store, publisher, delivery, () => deps.clock.now()),
    ...smsOperations(store),
    ...smsSandboxOperations(store, delivery, () => deps.clock.now()),
    ...platformOperations(store),
  };
}
