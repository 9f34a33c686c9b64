import type { EntityChange } from './service';

/**
 * Records written as they are when the changes are taken, not as they were when noted: one changed several
 * times between two flushes is written once, and one gone by then is deleted.
 */
export class PendingRecords {
  private readonly pending = new Map<string, () => unknown>();

  /** `current` reads the record at write time; undefined when it no longer exists. */
  note(key: string, current: () => unknown): void {
    this.pending.set(key, current);
  }

  /** Appends a write or a deletion of each noted record to `changes` (and forgets them); returns `changes`. */
  drainInto(changes: EntityChange[]): EntityChange[] {
    for (const [key, current] of this.pending) {
      const value = current();
      changes.push(value === undefined ? { key, deleted: true } : { key, value });
    }
    this.pending.clear();
    return changes;
  }
}
