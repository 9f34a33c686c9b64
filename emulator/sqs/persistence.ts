import type { EntityChange, Persistable } from '../core/service';
import type { DedupEntry, Queue, SavedAttempt, SavedQueue, StoredMessage } from './queue';
import type { QueueRegistry } from './registry';

/**
 * SQS state as persisted entities: `q\0<arn>` (a queue's settings and incarnation, so receipt handles
 * survive a restart) and `m\0<arn>\0<messageId>` (a message with its receive count and visibility).
 * Queues report every message change through their `changed` hook (API calls, deliveries from SNS and S3,
 * the Lambda pollers, redrives); settings are rewritten after any request that may have changed them.
 * Also `d\0<arn>\0<key>`: a FIFO queue's open deduplication window (written by the send that opened it, left
 * out of snapshots once expired), `a\0<arn>\0<attemptId>`: a FIFO ReceiveRequestAttemptId's answer for its five
 * minutes (likewise), and `deleted`: when each recently deleted queue was deleted (by ARN).
 */
const SEP = '\u0000';
const queueKey = (arn: string) => `q${SEP}${arn}`;
const messageKey = (arn: string, id: string) => `m${SEP}${arn}${SEP}${id}`;
const dedupKey = (arn: string, key: string) => `d${SEP}${arn}${SEP}${key}`;
const attemptKey = (arn: string, attemptId: string) => `a${SEP}${arn}${SEP}${attemptId}`;
/** The families of keys that belong to one incarnation of a queue. */
const queueFamilies = (arn: string): EntityChange[] => ['m', 'd', 'a'].map((kind) => ({ prefix: `${kind}${SEP}${arn}${SEP}`, deleted: true }));
const RECENTLY_DELETED = 'deleted';

/** Operations that change messages only (which the queues report themselves) or nothing. */
const NOT_SETTINGS = /^(Get|List|SendMessage|ReceiveMessage|DeleteMessage|ChangeMessageVisibility)/;

interface QueueShape {
  name: string;
  region: string;
  accountId: string;
  fifo: boolean;
  saved: SavedQueue;
}

export interface SqsPersistence extends Persistable {
  messageChanged(queue: Queue, message: StoredMessage): void;
  dedupWindowOpened(queue: Queue, entry: DedupEntry): void;
  attemptRecorded(queue: Queue, attempt: SavedAttempt): void;
}

export function sqsPersistence(
  queues: QueueRegistry,
  newQueue: (name: string, region: string, accountId: string, fifo: boolean, attributes: Record<string, string>) => Queue,
  /** Queue ARN → when it was deleted (the provider's map, for QueueDeletedRecently). */
  recentlyDeleted: Map<string, number>,
): SqsPersistence {
  const dirtyMessages = new Map<string, { queue: Queue; message: StoredMessage }>();
  const dirtyDedup = new Map<string, { queue: Queue; entry: DedupEntry }>();
  const dirtyAttempts = new Map<string, { queue: Queue; attempt: SavedAttempt }>();
  let settingsDirty = false;
  /** Whether the last `deleted` entity written held any queue (so an emptied map is written once more). */
  let deletedWritten = false;
  /** Queue ARN → the incarnation last written, to notice deleted and re-created queues. */
  const written = new Map<string, string>();

  const shape = (q: Queue): QueueShape => ({ name: q.name, region: q.region, accountId: q.accountId, fifo: q.fifo, saved: q.saved() });
  const record = (m: StoredMessage) => {
    const { version: _v, inReady: _r, ...rest } = m;
    return rest;
  };

  return {
    messageChanged(queue, message) {
      dirtyMessages.set(messageKey(queue.arn, message.id), { queue, message });
    },

    dedupWindowOpened(queue, entry) {
      dirtyDedup.set(dedupKey(queue.arn, entry.key), { queue, entry });
    },

    attemptRecorded(queue, attempt) {
      dirtyAttempts.set(attemptKey(queue.arn, attempt.attemptId), { queue, attempt });
    },

    touched(operation) {
      if (!NOT_SETTINGS.test(operation)) settingsDirty = true;
    },

    takeChanges() {
      const changes: EntityChange[] = [];
      if (settingsDirty) {
        settingsDirty = false;
        const live = new Set<string>();
        for (const q of queues.all()) {
          live.add(q.arn);
          if (written.has(q.arn) && written.get(q.arn) !== q.incarnation) {
            changes.push(...queueFamilies(q.arn));
          }
          changes.push({ key: queueKey(q.arn), value: shape(q) });
          written.set(q.arn, q.incarnation);
        }
        for (const arn of [...written.keys()]) {
          if (live.has(arn)) continue;
          changes.push({ key: queueKey(arn), deleted: true }, ...queueFamilies(arn));
          written.delete(arn);
        }
        // Only with sqsDelayRecentlyDeleted is the map ever filled: otherwise nothing is written.
        if (recentlyDeleted.size || deletedWritten) changes.push({ key: RECENTLY_DELETED, value: new Map(recentlyDeleted) });
        deletedWritten = recentlyDeleted.size > 0;
      }
      for (const [key, { queue, entry }] of dirtyDedup) {
        if (queues.get(queue.arn) === queue) changes.push({ key, value: entry });
      }
      dirtyDedup.clear();
      for (const [key, { queue, attempt }] of dirtyAttempts) {
        if (queues.get(queue.arn) === queue) changes.push({ key, value: attempt });
      }
      dirtyAttempts.clear();
      for (const [key, { queue, message }] of dirtyMessages) {
        if (queues.get(queue.arn) !== queue) continue;
        changes.push(message.state === 'deleted' ? { key, deleted: true } : { key, value: record(message) });
      }
      dirtyMessages.clear();
      return changes;
    },

    *entities() {
      for (const q of queues.all()) {
        yield [queueKey(q.arn), shape(q)];
        for (const m of q.snapshot()) yield [messageKey(q.arn, m.id), record(m)];
        for (const d of q.openDedupWindows()) yield [dedupKey(q.arn, d.key), d];
        for (const a of q.openAttempts()) yield [attemptKey(q.arn, a.attemptId), a];
      }
      if (recentlyDeleted.size) yield [RECENTLY_DELETED, new Map(recentlyDeleted)];
    },

    restore(entities) {
      const messages = new Map<string, StoredMessage[]>();
      const dedup = new Map<string, DedupEntry[]>();
      const attempts = new Map<string, SavedAttempt[]>();
      for (const [key, value] of entities) {
        const [kind, arn] = key.split(SEP);
        if (kind === 'm') listOf(messages, arn!).push(value as StoredMessage);
        else if (kind === 'd') listOf(dedup, arn!).push(value as DedupEntry);
        else if (kind === 'a') listOf(attempts, arn!).push(value as SavedAttempt);
      }
      const deleted = entities.get(RECENTLY_DELETED);
      if (deleted instanceof Map) for (const [arn, at] of deleted) recentlyDeleted.set(arn, at);
      deletedWritten = recentlyDeleted.size > 0;
      for (const [key, value] of entities) {
        const [kind, arn] = key.split(SEP);
        if (kind !== 'q') continue;
        const s = value as QueueShape;
        const q = newQueue(s.name, s.region, s.accountId, s.fifo, s.saved.attributes);
        q.restore(s.saved, messages.get(arn!) ?? [], dedup.get(arn!), attempts.get(arn!));
        queues.add(q);
        written.set(q.arn, q.incarnation);
      }
    },
  };
}

function listOf<T>(lists: Map<string, T[]>, key: string): T[] {
  let list = lists.get(key);
  if (!list) lists.set(key, (list = []));
  return list;
}
