import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INLINE_LIMIT } from '../../emulator/persistence/codec';
import { DataDirStore } from '../../emulator/persistence/data-dir';
import { Persistence } from '../../emulator/persistence';
import type { EntityChange, Persistable } from '../../emulator/core/service';

/*
 * Compaction while serving: it rewrote the whole snapshot in one go, holding every request for 1.4 s at 100,000
 * objects. It runs in slices now, requests appending to a new journal meanwhile; whatever point a crash comes
 * at, the files load as the latest state.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'background-compaction-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const stateFile = (name: string) => path.join(dir, 'state', name);
const blobFiles = () => fs.readdirSync(stateFile('blobs'));
const loadAll = () => {
  const store = new DataDirStore(dir);
  try {
    return store.load();
  } finally {
    store.close();
  }
};

describe('the store', () => {
  it('loads the latest state when stopped before the new snapshot is in place (old snapshot + sealed + new journal)', () => {
    const store = new DataDirStore(dir);
    store.compact([['a', 1], ['b', 1]]);
    store.append([{ key: 'a', value: 2 }, { key: 'c', value: 1 }]);
    const compaction = store.beginCompaction();
    compaction.write([['a', 2], ['b', 1]]);
    store.append([{ key: 'b', deleted: true }, { key: 'd', value: 1 }]);
    store.close(); // never finished
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(true);
    expect(fs.existsSync(stateFile('snapshot.jsonl.tmp'))).toBe(false);
    expect(Object.fromEntries(loadAll())).toEqual({ a: 2, c: 1, d: 1 });
  });

  it('loads the latest state when stopped after the snapshot was renamed but before the sealed journal went', () => {
    const store = new DataDirStore(dir);
    store.append([{ key: 'g/1', value: 'one' }, { key: 'g/2', value: 'two' }, { key: 'x', value: 1 }]);
    const compaction = store.beginCompaction();
    const sealed = fs.readFileSync(stateFile('journal.sealed.jsonl'));
    // Written after the seal: a prefix deletion and a key set again under it, and 'x' changed; the snapshot
    // sees some of it (entities are written as they are when their slice runs).
    store.append([{ prefix: 'g/', deleted: true }]);
    store.append([{ key: 'g/2', value: 'again' }, { key: 'x', value: 2 }]);
    compaction.write([['g/2', 'again'], ['x', 1]]);
    compaction.finish();
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(false);
    store.close();
    fs.writeFileSync(stateFile('journal.sealed.jsonl'), sealed); // as a crash between the rename and the removal leaves it
    expect(Object.fromEntries(loadAll())).toEqual({ 'g/2': 'again', x: 2 });
  });

  it('keeps the blobs the new journal refers to and drops the ones only the sealed journal did', () => {
    const old = Buffer.alloc(INLINE_LIMIT + 1, 1);
    const during = Buffer.alloc(INLINE_LIMIT + 1, 2);
    const store = new DataDirStore(dir);
    store.append([{ key: 'gone', value: old }]);
    const compaction = store.beginCompaction();
    store.append([{ key: 'gone', deleted: true }, { key: 'new', value: during }]);
    compaction.write([]); // both changes came before the slice that would have listed them
    compaction.finish();
    expect(blobFiles()).toHaveLength(1);
    store.close();
    const loaded = loadAll();
    expect((loaded.get('new') as Buffer).equals(during)).toBe(true);
    expect(loaded.has('gone')).toBe(false);
  });

  it('refuses a second compaction while one runs; a synchronous one takes over and folds the sealed journal in', () => {
    const store = new DataDirStore(dir);
    store.append([{ key: 'a', value: 1 }]);
    store.beginCompaction();
    expect(() => store.beginCompaction()).toThrow(/already under way/);
    store.append([{ key: 'b', value: 1 }]);
    store.compact([['a', 1], ['b', 1]]);
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(false);
    store.close();
    expect(Object.fromEntries(loadAll())).toEqual({ a: 1, b: 1 });
  });
});

/** A service holding numbered entities, changed by `set`/`remove` as requests would. */
function fakeService(initial: number) {
  const entities = new Map<string, unknown>();
  for (let i = 0; i < initial; i++) entities.set(`e${i}`, { n: i, text: 'x'.repeat(100) });
  let changes: EntityChange[] = [];
  const persistence: Persistable = {
    takeChanges: () => changes.splice(0),
    entities: () => entities.entries(),
    restore(saved) {
      for (const [k, v] of saved) entities.set(k, v);
    },
  };
  return {
    entities,
    persistence,
    set(key: string, value: unknown) {
      entities.set(key, value);
      changes.push({ key, value });
    },
    remove(key: string) {
      entities.delete(key);
      changes.push({ key, deleted: true });
    },
    reset() {
      changes = [];
    },
  };
}

describe('the emulator-wide persistence', () => {
  it('compacts in slices between which changes are served, and a restart finds every change', async () => {
    const service = fakeService(5_000);
    const persistence = new Persistence(dir, new Map([['svc', service]]), { compactAfterBytes: 64 * 1024, sliceMs: 0 });
    await persistence.restore();
    for (const [k, v] of service.entities) service.set(k, v); // journal every entity once: past the threshold
    persistence.flush();
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(true);

    // The event loop turns while the snapshot is written, and changes made then go to the new journal.
    await new Promise((resolve) => setImmediate(resolve));
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(true);
    service.set('e1', { n: -1 });
    service.remove('e2');
    service.set('during', { n: 'new' });
    persistence.flush();
    expect(fs.statSync(stateFile('journal.jsonl')).size).toBeGreaterThan(0);

    await persistence.whenCompacted();
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(false);
    expect(fs.existsSync(stateFile('journal.jsonl'))).toBe(true);
    persistence.close();

    const again = fakeService(0);
    const restarted = new Persistence(dir, new Map([['svc', again]]));
    await restarted.restore();
    expect(again.entities.size).toBe(5_000);
    expect(again.entities.get('e1')).toEqual({ n: -1 });
    expect(again.entities.has('e2')).toBe(false);
    expect(again.entities.get('during')).toEqual({ n: 'new' });
    expect(again.entities.get('e4999')).toEqual({ n: 4999, text: 'x'.repeat(100) });
    restarted.close();
  });

  it('a stop during a background compaction writes everything at once and leaves no sealed journal', async () => {
    const service = fakeService(2_000);
    const persistence = new Persistence(dir, new Map([['svc', service]]), { compactAfterBytes: 16 * 1024, sliceMs: 0 });
    await persistence.restore();
    for (const [k, v] of service.entities) service.set(k, v);
    persistence.flush();
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(true);
    service.set('last', 1);
    persistence.close();
    expect(fs.existsSync(stateFile('journal.sealed.jsonl'))).toBe(false);
    expect(fs.existsSync(stateFile('snapshot.jsonl.tmp'))).toBe(false);
    expect(fs.statSync(stateFile('journal.jsonl')).size).toBe(0);
    const loaded = loadAll();
    expect(loaded.size).toBe(2_001);
    expect(loaded.get('svc/last')).toBe(1);
  });
});
