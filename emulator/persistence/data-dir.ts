import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { processExists } from '../core/processes';
import type { EntityChange } from '../core/service';
import { blobRefs, decodeValue, encodeValue, type BlobSink } from './codec';

/**
 * The files under `--data-dir`: `state/snapshot.jsonl` (every entity, written whole at compaction),
 * `state/journal.jsonl` (entity changes appended since), `state/blobs/` (large bodies), and while a compaction
 * runs in the background `state/journal.sealed.jsonl` (the changes the snapshot being written replaces).
 *
 * Crash safety: each flush (a request's changes, or the background ones) is one journal line written with one
 * write() before the request it records is answered, so a `kill -9` keeps every acknowledged change (the
 * kernel has the bytes). A torn last line is dropped on load, and with it the whole flush. Blobs and the
 * snapshot are written to a temporary name and renamed, so none is ever half there.
 * A crash between the snapshot's rename and the journal's truncation replays the journal over a snapshot that
 * already contains it: harmless for an entity written whole (the last line for a key wins); services that append
 * numbered entities (CloudWatch datapoints and history, Logs event batches) recognise the copies themselves.
 *
 * A background compaction (`beginCompaction`) first seals the journal (renames it) and starts a new one, then writes
 * the snapshot a slice at a time while requests go on appending to the new journal. Its entities are read as they
 * are when their slice is written, so the snapshot is newer than the sealed journal but older than the new one:
 * loading the snapshot, then the sealed journal, then the journal ends at the latest state whenever a crash came
 * (every change since the seal is in the new journal, and each line sets or deletes whole entities).
 */
export class DataDirStore {
  private readonly stateDir: string;
  private readonly blobDir: string;
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private readonly sealedPath: string;
  private readonly lockPath: string;
  private journalFd: number;
  private readonly blobIds = new WeakMap<Buffer, string>();
  private readonly liveBlobs = new Set<string>();
  /** The background compaction under way, if any. */
  private running?: BackgroundCompaction;
  /** Bytes appended to the journal since the last compaction. */
  journalBytes = 0;

  constructor(dir: string) {
    this.stateDir = path.join(dir, 'state');
    this.blobDir = path.join(this.stateDir, 'blobs');
    this.snapshotPath = path.join(this.stateDir, 'snapshot.jsonl');
    this.journalPath = path.join(this.stateDir, 'journal.jsonl');
    this.sealedPath = path.join(this.stateDir, 'journal.sealed.jsonl');
    this.lockPath = path.join(this.stateDir, 'lock');
    fs.mkdirSync(this.blobDir, { recursive: true });
    this.lock();
    for (const name of fs.readdirSync(this.blobDir)) {
      if (name.endsWith('.tmp')) fs.rmSync(path.join(this.blobDir, name), { force: true });
      else this.liveBlobs.add(name);
    }
    this.journalFd = fs.openSync(this.journalPath, 'a');
    this.journalBytes = fs.fstatSync(this.journalFd).size;
  }

  /** Every saved entity (snapshot, then the journal over it), decoded. */
  load(): Map<string, unknown> {
    const source = { get: (id: string) => fs.readFileSync(path.join(this.blobDir, id)) };
    /**
     * Each key's value and the number of the line that set it. Values are decoded as their line is read, so each
     * parsed line is garbage at once: holding 100,000 parsed lines until the end made the garbage collector copy
     * them all into the old generation (half of a restart's 4 s).
     */
    const values = new Map<string, { v: unknown; at: number }>();
    // A prefix deletion is noted, not applied by scanning every key (a journal with thousands of them would take
    // minutes): a key is gone if one of its prefixes was deleted after the line that set it.
    const deletedPrefixes = new Map<string, number>();
    const prefixLengths = new Set<number>();
    const deletedSince = (key: string, at: number): boolean => {
      for (const n of prefixLengths) {
        if (n > key.length) continue;
        const when = deletedPrefixes.get(key.slice(0, n));
        if (when !== undefined && when > at) return true;
      }
      return false;
    };
    let lineNo = 0;
    const apply = (line: any): void => {
      if (Array.isArray(line.b)) {
        for (const entry of line.b) apply(entry);
        return;
      }
      lineNo++;
      if (typeof line.p === 'string') {
        deletedPrefixes.set(line.p, lineNo);
        prefixLengths.add(line.p.length);
      } else if (line.d) values.delete(line.k);
      else {
        // Set again after a prefix deletion took it: it moves to the end, as a deleted and re-added key does.
        const old = values.get(line.k);
        if (old && deletedSince(line.k, old.at)) values.delete(line.k);
        values.set(line.k, { v: decodeValue(line.v, source), at: lineNo });
      }
    };
    if (fs.existsSync(this.snapshotPath)) readLines(this.snapshotPath, apply);
    readLines(this.sealedPath, apply); // a background compaction did not finish: its journal still counts
    const goodBytes = readLines(this.journalPath, apply);
    if (goodBytes < this.journalBytes) {
      // The tail was torn by a crash mid-write: that change was never acknowledged.
      fs.ftruncateSync(this.journalFd, goodBytes);
      this.journalBytes = goodBytes;
    }
    const out = new Map<string, unknown>();
    for (const [key, { v, at }] of values) if (!deletedSince(key, at)) out.set(key, v);
    return out;
  }

  append(changes: EntityChange[]): void {
    if (changes.length === 0) return;
    const entries = changes.map((c) =>
      'prefix' in c ? { p: c.prefix, d: 1 } : 'deleted' in c ? { k: c.key, d: 1 } : { k: c.key, v: encodeValue(c.value, this.blobSink) },
    );
    // One line per flush, so a torn write loses the whole flush or nothing: the changes of one flush can
    // depend on each other (SNS noting a delivery done, Lambda saving the event it delivered).
    const line = entries.length === 1 ? entries[0] : { b: entries };
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    fs.writeSync(this.journalFd, bytes);
    this.journalBytes += bytes.length;
    if (this.running) for (const e of entries) if ('v' in e) blobRefs(e.v, this.running.journalRefs);
  }

  /** True when a sealed journal is left over (a background compaction that a crash or a stop cut short). */
  get hasSealedJournal(): boolean {
    return fs.existsSync(this.sealedPath);
  }

  /**
   * Starts a compaction written in slices (`write`), so that the caller can serve requests between them: the
   * journal is sealed and a new one started. Only one at a time, and none while a sealed journal is left.
   */
  beginCompaction(): BackgroundCompaction {
    if (this.running || this.hasSealedJournal) throw new Error('a compaction is already under way');
    fs.closeSync(this.journalFd);
    fs.renameSync(this.journalPath, this.sealedPath);
    this.journalFd = fs.openSync(this.journalPath, 'a');
    this.journalBytes = 0;
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    const snapshotRefs = new Set<string>();
    const compaction: BackgroundCompaction = {
      journalRefs: new Set(),
      write: (entities) => {
        const lines: string[] = [];
        for (const [key, value] of entities) lines.push(this.snapshotLine(key, value, snapshotRefs));
        if (lines.length) fs.writeSync(fd, lines.join(''));
      },
      finish: () => {
        this.running = undefined;
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(tmp, this.snapshotPath);
        fs.rmSync(this.sealedPath, { force: true });
        // Blobs written since the seal may be referred to by the new journal only.
        this.dropBlobsExcept(snapshotRefs, compaction.journalRefs);
      },
      abort: () => {
        this.running = undefined;
        fs.closeSync(fd);
        fs.rmSync(tmp, { force: true });
      },
    };
    this.running = compaction;
    return compaction;
  }

  /** Writes every entity as the new snapshot, empties the journal and drops blobs nothing refers to. */
  compact(entities: Iterable<[string, unknown]>): void {
    this.running?.abort();
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    const referenced = new Set<string>();
    try {
      let chunk: string[] = [];
      const writeChunk = () => {
        if (chunk.length) fs.writeSync(fd, chunk.join(''));
        chunk = [];
      };
      for (const [key, value] of entities) {
        chunk.push(this.snapshotLine(key, value, referenced));
        if (chunk.length >= 1000) writeChunk();
      }
      writeChunk();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.snapshotPath);
    fs.rmSync(this.sealedPath, { force: true });
    fs.ftruncateSync(this.journalFd, 0);
    this.journalBytes = 0;
    this.dropBlobsExcept(referenced);
  }

  private snapshotLine(key: string, value: unknown, referenced: Set<string>): string {
    const v = encodeValue(value, this.blobSink);
    blobRefs(v, referenced);
    return `${JSON.stringify({ k: key, v })}\n`;
  }

  /** Removes the blob files no snapshot or journal line refers to (only once the lines that did are gone). */
  private dropBlobsExcept(...keep: Set<string>[]): void {
    for (const id of [...this.liveBlobs]) {
      if (keep.some((refs) => refs.has(id))) continue;
      fs.rmSync(path.join(this.blobDir, id), { force: true });
      this.liveBlobs.delete(id);
    }
  }

  close(): void {
    this.running?.abort();
    fs.closeSync(this.journalFd);
    fs.rmSync(this.lockPath, { force: true });
  }

  /** One emulator per directory: two appending to one journal would interleave their changes. */
  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = Number(fs.readFileSync(this.lockPath, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && processExists(owner)) {
        throw new DataDirInUseError(`the data directory ${path.dirname(this.stateDir)} is in use by another emulator (process ${owner})`);
      }
      // Left by a process that is gone (killed with -9): take it over.
      fs.rmSync(this.lockPath, { force: true });
    }
    throw new Error(`could not lock the data directory ${path.dirname(this.stateDir)}`);
  }

  private readonly blobSink: BlobSink = {
    put: (bytes) => {
      const known = this.blobIds.get(bytes);
      if (known && this.liveBlobs.has(known)) return known;
      const id = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
      const file = path.join(this.blobDir, id);
      fs.writeFileSync(`${file}.tmp`, bytes);
      fs.renameSync(`${file}.tmp`, file);
      this.blobIds.set(bytes, id);
      this.liveBlobs.add(id);
      return id;
    },
  };
}

/** A snapshot being written a slice at a time; `finish` puts it in place, `abort` drops it (the sealed journal stays). */
export interface BackgroundCompaction {
  write(entities: Iterable<[string, unknown]>): void;
  finish(): void;
  abort(): void;
  /** Blobs the journal lines appended since the seal refer to: kept by `finish`. */
  readonly journalRefs: Set<string>;
}

/** Another live emulator holds the directory (a user error: said plainly, without a stack). */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Applies each complete JSON line; returns how many bytes were whole, good lines. */
function readLines(file: string, apply: (line: unknown) => void): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file);
  let start = 0;
  for (;;) {
    const end = text.indexOf(10, start);
    if (end < 0) return start;
    let line: unknown;
    try {
      line = JSON.parse(text.subarray(start, end).toString('utf8'));
    } catch {
      return start;
    }
    apply(line);
    start = end + 1;
  }
}
