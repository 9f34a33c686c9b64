import { PendingRecords } from '../core/pending-records';
import type { EntityChange } from '../core/service';
import type { AsyncEvent, AsyncEventJournal, AsyncQueue, SavedAsyncEvent } from './async-queue';

/**
 * The asynchronous invocation queue as persisted entities: `a\0<request id>`, one per event accepted and not
 * yet done (waiting, running, or waiting for a retry, with its attempt count, first acceptance and next-attempt
 * time). Each change writes that one event; a done event is deleted.
 */
export const ASYNC_EVENT_PREFIX = 'a\u0000';

export interface AsyncEventPersistence {
  takeChanges(into: EntityChange[]): EntityChange[];
  entities(): Iterable<[string, unknown]>;
  /** Puts the saved events back on the queue (after the functions they name are restored). */
  restore(entities: Map<string, unknown>): void;
}

export function asyncEventPersistence(queue: AsyncQueue): AsyncEventPersistence {
  const live = new Map<string, AsyncEvent>();
  const pending = new PendingRecords();
  const saved = ({ generation: _g, ...rest }: AsyncEvent): SavedAsyncEvent => rest;
  const note = (key: string) => pending.note(key, () => {
    const ev = live.get(key);
    return ev && saved(ev);
  });
  const journal: AsyncEventJournal = {
    saved(ev) {
      const key = ASYNC_EVENT_PREFIX + ev.requestId;
      live.set(key, ev);
      note(key);
    },
    done(ev) {
      const key = ASYNC_EVENT_PREFIX + ev.requestId;
      live.delete(key);
      note(key);
    },
    cleared: () => live.clear(),
  };
  queue.journal = journal;

  return {
    takeChanges: (into) => pending.drainInto(into),
    *entities() {
      for (const [key, ev] of live) yield [key, saved(ev)];
    },
    restore(entities) {
      for (const [key, value] of entities) {
        if (key.startsWith(ASYNC_EVENT_PREFIX)) live.set(key, queue.restore(value as SavedAsyncEvent));
      }
    },
  };
}
