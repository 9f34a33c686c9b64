import type { EntityChange, Persistable } from '../core/service';
import type { Subscription, Topic } from './state';
import type { SnsStore } from './store';

/**
 * SNS state as one persisted entity, `topology`: topics (without their 5-minute FIFO deduplication window)
 * and subscriptions with their confirmation tokens. It is small, so it is rewritten whole after any
 * request that may have changed it; publishing changes nothing that outlives the delivery.
 */
const KEY = 'topology';
const UNCHANGING = /^(Get|List|Publish|CheckIfPhoneNumberIsOptedOut)/;

interface SavedTopology {
  topics: Topic[];
  subscriptions: Subscription[];
  tokens: [string, string][];
}

export function snsPersistence(store: SnsStore): Persistable {
  let dirty = false;
  const saved = (): SavedTopology => ({
    topics: [...store.topics.values()].map((t) => ({ ...t, dedup: new Map() })),
    subscriptions: [...store.subscriptions.values()],
    tokens: [...store.tokens],
  });

  return {
    touched(operation) {
      if (!UNCHANGING.test(operation)) dirty = true;
    },
    takeChanges(): EntityChange[] {
      if (!dirty) return [];
      dirty = false;
      return [{ key: KEY, value: saved() }];
    },
    *entities() {
      yield [KEY, saved()];
    },
    restore(entities) {
      const s = entities.get(KEY) as SavedTopology | undefined;
      if (!s) return;
      for (const t of s.topics) store.topics.set(t.arn, t);
      for (const sub of s.subscriptions) store.subscriptions.set(sub.arn, sub);
      for (const [token, arn] of s.tokens) store.tokens.set(token, arn);
    },
  };
}
