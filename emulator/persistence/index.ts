import type { EntityChange, Persistable } from '../core/service';
import { DataDirStore } from './data-dir';

/** Compact (rewrite the snapshot, empty the journal) once the journal has grown past this. */
const COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
/** Changes made outside requests (deliveries between services, pollers) are written at least this often. */
const BACKGROUND_FLUSH_MS = 20;

interface PersistedService {
  name: string;
  persistence: Persistable;
}

/**
 * `--data-dir` persistence for the whole emulator: restores every service's entities at start, writes the
 * changes of each request before it is answered, and those made in the background every few ms.
 * Entity keys are stored as `<service>/<key>`.
 */
export class Persistence {
  private readonly store: DataDirStore;
  private readonly services: PersistedService[];
  private interval?: NodeJS.Timeout;

  constructor(dir: string, providers: Map<string, Record<string, any>>) {
    this.store = new DataDirStore(dir);
    this.services = [...providers]
      .filter(([, p]) => p.persistence)
      .map(([name, p]) => ({ name, persistence: p.persistence as Persistable }));
  }

  /** Loads the saved state into the providers (in registry order: queues exist before the mappings that poll them). */
  async restore(): Promise<void> {
    const saved = this.store.load();
    let changedByRestore = false;
    for (const { name, persistence } of this.services) {
      const prefix = `${name}/`;
      const mine = new Map<string, unknown>();
      for (const [key, value] of saved) if (key.startsWith(prefix)) mine.set(key.slice(prefix.length), value);
      await persistence.restore(mine);
      if (persistence.takeChanges().length) changedByRestore = true;
    }
    for (const { persistence } of this.services) persistence.resume?.();
    // Start from a fresh snapshot of what was restored (the journal folded in, blobs it no longer needs dropped),
    // unless that is the snapshot already there: rewriting 100,000 objects took 2.3 s of every restart.
    if (changedByRestore || this.store.journalBytes > 0) this.compact();
    this.interval = setInterval(() => this.flush(), BACKGROUND_FLUSH_MS);
    this.interval.unref();
  }

  touched(service: string, operation: string, input: unknown, output: unknown): void {
    this.services.find((s) => s.name === service)?.persistence.touched?.(operation, input, output);
  }

  /** Writes every pending change; called before a response is sent. */
  flush(): void {
    const changes: EntityChange[] = [];
    for (const { name, persistence } of this.services) {
      for (const c of persistence.takeChanges()) {
        changes.push('prefix' in c ? { ...c, prefix: `${name}/${c.prefix}` } : { ...c, key: `${name}/${c.key}` });
      }
    }
    this.store.append(changes);
    if (this.store.journalBytes > COMPACT_AFTER_BYTES) this.compact();
  }

  /** After a reset: nothing is left. */
  cleared(): void {
    for (const { persistence } of this.services) persistence.takeChanges();
    this.compact();
  }

  compact(): void {
    const services = this.services;
    this.store.compact(
      (function* () {
        for (const { name, persistence } of services) for (const [key, value] of persistence.entities()) yield [`${name}/${key}`, value] as [string, unknown];
      })(),
    );
  }

  close(): void {
    if (this.interval) clearInterval(this.interval);
    this.flush();
    if (this.store.journalBytes > 0) this.compact(); // else the snapshot already holds everything
    this.store.close();
  }
}
