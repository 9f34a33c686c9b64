import { rewrittenWhole } from '../core/persist-whole';
import type { Persistable } from '../core/service';
import type { Subscription, Topic } from './state';
import type { SnsStore } from './store';

/**
 * SNS state as one persisted entity, `topology`: topics (without their 5-minute FIFO deduplication window)
 * and subscriptions with their confirmation tokens. Publishing changes nothing that outlives the delivery.
 */
interface SavedTopology {
  topics: Topic[];
  subscriptions: Subscription[];
  tokens: [string, string][];
}

export function snsPersistence(store: SnsStore): Persistable {
  const saved = (): SavedTopology => ({
    topics: [...store.topics.values()].map((t) => ({ ...t, dedup: new Map() })),
    subscriptions: [...store.subscriptions.values()],
    tokens: [...store.tokens],
  });
  return rewrittenWhole(/^(Get|List|Publish|CheckIfPhoneNumberIsOptedOut)/, () => [['topology', saved()]], (entities) => {
    const s = entities.get('topology') as SavedTopology | undefined;
    if (!s) return;
    for (const t of s.topics) store.topics.set(t.arn, t);
    for (const sub of s.subscriptions) store.subscriptions.set(sub.arn, sub);
    for (const [token, arn] of s.tokens) store.tokens.set(token, arn);
  });
}
