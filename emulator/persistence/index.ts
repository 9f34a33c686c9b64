import { performance } from 'node:perf_hooks';
import type { EntityChange, Persistable } from '../core/service';
import { DataDirStore, type BackgroundCompaction } from './data-dir';

/** Changes made outside requests (deliveries between services, pollers) are written at least this often. */
const BACKGROUND_FLUSH_MS = 20;

export interface PersistenceTuning {
  /** Compact (rewrite the snapshot, start an empty journal) once the journal has grown past this. */
  compactAfterBytes: number;
  /** A background compaction writes entities for about this long (real time), then lets requests run. */
  sliceMs: number;
}

const DEFAULT_TUNING: PersistenceTuning = { compactAfterBytes: 64 * 1024 * 1024, sliceMs: 10 };

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
  private readonly tuning: PersistenceTuning;
  private background?: { compaction: BackgroundCompaction; timer: NodeJS.Immediate; done: Promise<void> };

  constructor(dir: string, providers: Map<string, Record<string, any>>, tuning: Partial<PersistenceTuning> = {}) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
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
    if (changedByRestore || this.store.journalBytes > 0 || this.store.hasSealedJournal) this.compact();
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
    if (this.store.journalBytes > this.tuning.compactAfterBytes && !this.background) this.compactInBackground();
  }

  /** After a reset: nothing is left. */
  cleared(): void {
    for (const { persistence } of this.services) persistence.takeChanges();
    this.compact();
  }

  /** Rewrites the snapshot at once (at start, stop and reset, when nothing is being served). */
  compact(): void {
    this.stopBackground();
    this.store.compact(this.allEntities());
  }

  /**
   * Rewrites the snapshot while the emulator goes on serving: writing 100,000 objects at once held every request
   * for 1.4 s. The entities are listed at once (services number and cut some of them as they list them, which must
   * happen at one moment), then encoded and written for `sliceMs` at a time, the event loop running what waits in
   * between. A value changed meanwhile is written as it is then, which is harmless: the change is in the new journal.
   */
  private compactInBackground(): void {
    const compaction = this.store.beginCompaction();
    const entities = [...this.allEntities()];
    let at = 0;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const slice = () => {
      const until = performance.now() + this.tuning.sliceMs;
      while (at < entities.length) {
        const end = Math.min(at + 64, entities.length);
        compaction.write(entities.slice(at, end));
        at = end;
        if (performance.now() >= until) break;
      }
      if (at < entities.length) {
        this.background!.timer = setImmediate(slice);
        return;
      }
      compaction.finish();
      this.background = undefined;
      finished();
    };
    this.background = { compaction, timer: setImmediate(slice), done };
  }

  /** Resolves once the background compaction under way (if any) has put its snapshot in place. */
  whenCompacted(): Promise<void> {
    return this.background?.done ?? Promise.resolve();
  }

  private stopBackground(): void {
    if (!this.background) return;
    clearImmediate(this.background.timer);
    this.background.compaction.abort();
    this.background = undefined;
  }

  private allEntities(): Iterable<[string, unknown]> {
    const services = this.services;
    return (function* () {
      for (const { name, persistence } of services) for (const [key, value] of persistence.entities()) yield [`${name}/${key}`, value] as [string, unknown];
    })();
  }

  close(): void {
    if (this.interval) clearInterval(this.interval);
    this.stopBackground();
    this.flush();
    // Else the snapshot already holds everything.
    if (this.store.journalBytes > 0 || this.store.hasSealedJournal) this.compact();
    this.store.close();
  }
}
