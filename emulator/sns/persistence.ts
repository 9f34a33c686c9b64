import { rewrittenWhole } from '../core/persist-whole';
import { PendingRecords } from '../core/pending-records';
import type { EntityChange, Persistable } from '../core/service';
import type { SnsDelivery } from './delivery';
import type { OwedDeliveries, OwedMessage } from './owed-deliveries';
import type { DedupWindow, PlatformApplication, PlatformEndpoint, Subscription, Topic } from './state';
import type { SandboxNumber } from './sms-sandbox';
import type { SnsStore } from './store';

/**
 * SNS state as persisted entities:
 * - `topology`: topics (without their deduplication windows), subscriptions with their confirmation tokens, SMS
 *   settings and sandbox numbers, and mobile push applications and endpoints,
 *   written whole after any request that may have changed them (not Publish);
 * - `d\0<topicArn>\0<dedupId>`: a FIFO topic's open 5-minute deduplication window, written by the publish that
 *   opened it (left out of snapshots once closed on the emulator clock), and `s\0<topicArn>`: its last sequence
 *   number, so numbers keep growing after a restart;
 * - `p\0<messageId>`: deliveries still owed (owed-deliveries.ts), re-armed at their due time after a restart.
 */
const SEP = '\u0000';
const TOPOLOGY = 'topology';
const dedupKey = (arn: string, id: string) => `d${SEP}${arn}${SEP}${id}`;
const sequenceKey = (arn: string) => `s${SEP}${arn}`;

interface SavedTopology {
  topics: Topic[];
  subscriptions: Subscription[];
  tokens: [string, string][];
  /** SetSMSAttributes by `account:region` (absent in data saved before they were kept). */
  sms?: [string, Record<string, string>][];
  /** SMS sandbox numbers by `account:region:phone` (absent in data saved before they were kept). */
  sandboxNumbers?: [string, SandboxNumber][];
  /** Mobile push applications and endpoints (absent in data saved before they were kept). */
  platformApplications?: PlatformApplication[];
  platformEndpoints?: PlatformEndpoint[];
}

export interface SnsPersistence extends Persistable {
  /** A FIFO publish opened a deduplication window and took a sequence number. */
  fifoPublished(topic: Topic, dedupId: string): void;
}

export function snsPersistence(store: SnsStore, delivery: SnsDelivery, owed: OwedDeliveries, now: () => number): SnsPersistence {
  const saved = (): SavedTopology => ({
    topics: [...store.topics.values()].map((t) => ({ ...t, dedup: new Map() })),
    subscriptions: [...store.subscriptions.values()],
    tokens: [...store.tokens],
    sms: [...store.smsAttributes],
    sandboxNumbers: [...store.sandboxNumbers],
    platformApplications: [...store.platformApplications.values()],
    platformEndpoints: [...store.platformEndpoints.values()],
  });
  const topology = rewrittenWhole(/^(Get|List|Publish|CheckIfPhoneNumberIsOptedOut)/, () => [[TOPOLOGY, saved()]], (entities) => {
    const s = entities.get(TOPOLOGY) as SavedTopology | undefined;
    if (!s) return;
    for (const t of s.topics) store.topics.set(t.arn, t);
    for (const sub of s.subscriptions) store.subscriptions.set(sub.arn, sub);
    for (const [token, arn] of s.tokens) store.tokens.set(token, arn);
    for (const [key, attributes] of s.sms ?? []) store.smsAttributes.set(key, attributes);
    for (const [key, n] of s.sandboxNumbers ?? []) store.sandboxNumbers.set(key, n);
    for (const app of s.platformApplications ?? []) store.platformApplications.set(app.arn, app);
    for (const endpoint of s.platformEndpoints ?? []) store.platformEndpoints.set(endpoint.arn, endpoint);
  });
  const fifoRecords = new PendingRecords();
  /** FIFO topics with saved windows or sequence, as the object that wrote them: a deleted topic's records go. */
  const fifoWritten = new Map<string, Topic>();
  const live = (t: Topic) => store.topics.get(t.arn) === t;
  /** Restored deliveries, re-armed once every service is restored (a Lambda subscriber's function comes after SNS). */
  let toResume: OwedMessage[] = [];

  function* current(): Iterable<[string, unknown]> {
    yield* topology.entities();
    const t0 = now();
    for (const t of store.topics.values()) {
      if (!t.fifo) continue;
      if (t.sequence) yield [sequenceKey(t.arn), t.sequence];
      for (const [id, d] of t.dedup) if (d.expires > t0) yield [dedupKey(t.arn, id), d];
    }
    yield* owed.entities();
  }

  return {
    fifoPublished(topic, dedupId) {
      fifoWritten.set(topic.arn, topic);
      fifoRecords.note(dedupKey(topic.arn, dedupId), () => (live(topic) ? topic.dedup.get(dedupId) : undefined));
      fifoRecords.note(sequenceKey(topic.arn), () => (live(topic) ? topic.sequence : undefined));
    },

    touched: topology.touched,

    takeChanges() {
      const changes: EntityChange[] = topology.takeChanges();
      for (const [arn, topic] of fifoWritten) {
        if (live(topic)) continue;
        changes.push({ prefix: dedupKey(arn, ''), deleted: true }, { key: sequenceKey(arn), deleted: true });
        fifoWritten.delete(arn);
      }
      fifoRecords.drainInto(changes);
      owed.drainInto(changes);
      return changes;
    },

    entities() {
      return current();
    },

    resume() {
      const resuming = toResume;
      toResume = [];
      for (const o of resuming) delivery.resume(o);
    },

    async restore(entities) {
      await topology.restore(new Map([...entities].filter(([key]) => key === TOPOLOGY)));
      const t0 = now();
      for (const [key, value] of entities) {
        const [kind, arn, id] = key.split(SEP);
        if (kind === 'p') {
          toResume.push(owed.restored(value as OwedMessage));
          continue;
        }
        const topic = store.topics.get(arn!);
        if (!topic || (kind !== 's' && kind !== 'd')) continue;
        fifoWritten.set(topic.arn, topic);
        if (kind === 's') {
          if ((value as bigint) > topic.sequence) topic.sequence = value as bigint;
        } else if ((value as DedupWindow).expires > t0) topic.dedup.set(id!, value as DedupWindow);
      }
    },
  };
}
