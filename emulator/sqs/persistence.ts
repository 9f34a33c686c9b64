import type { EntityChange, Persistable } from '../core/service';
import type { Queue, SavedQueue, StoredMessage } from './queue';
import type { QueueRegistry } from './registry';

/**
 * SQS state as persisted entities: `q\0<arn>` (a queue's settings and incarnation, so receipt handles
 * survive a restart) and `m\0<arn>\0<messageId>` (a message with its receive count and visibility).
 * Queues report every message change through their `changed` hook (API calls, deliveries from SNS and S3,
 * the Lambda pollers, redrives); settings are rewritten after any request that may have changed them.
 */
const SEP = '\u0000';
const queueKey = (arn: string) => `q${SEP}${arn}`;
const messageKey = (arn: string, id: string) => `m${SEP}${arn}${SEP}${id}`;

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
}

export function sqsPersistence(
  queues: QueueRegistry,
  newQueue: (name: string, region: string, accountId: string, fifo: boolean, attributes: Record<string, string>) => Queue,
): SqsPersistence {
  const dirtyMessages = new Map<string, { queue: Queue; message: StoredMessage }>();
  let settingsDirty = false;
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
            changes.push({ prefix: `m${SEP}${q.arn}${SEP}`, deleted: true });
          }
          changes.push({ key: queueKey(q.arn), value: shape(q) });
          written.set(q.arn, q.incarnation);
        }
        for (const arn of [...written.keys()]) {
          if (live.has(arn)) continue;
          changes.push({ key: queueKey(arn), deleted: true }, { prefix: `m${SEP}${arn}${SEP}`, deleted: true });
          written.delete(arn);
        }
      }
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
      }
    },

    restore(entities) {
      const messages = new Map<string, StoredMessage[]>();
      for (const [key, value] of entities) {
        const [kind, arn] = key.split(SEP);
        if (kind !== 'm') continue;
        let list = messages.get(arn!);
        if (!list) messages.set(arn!, (list = []));
        list.push(value as StoredMessage);
      }
      for (const [key, value] of entities) {
        const [kind, arn] = key.split(SEP);
        if (kind !== 'q') continue;
        const s = value as QueueShape;
        const q = newQueue(s.name, s.region, s.accountId, s.fifo, s.saved.attributes);
        q.restore(s.saved, messages.get(arn!) ?? []);
        queues.add(q);
        written.set(q.arn, q.incarnation);
      }
    },
  };
}
