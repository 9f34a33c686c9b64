import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeValue, encodeValue, INLINE_LIMIT } from '../../emulator/persistence/codec';
import { DataDirStore } from '../../emulator/persistence/data-dir';

/** The journal/snapshot/blob files under `--data-dir`, and the value encoding they use. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-dir-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const blobFiles = () => fs.readdirSync(path.join(dir, 'state', 'blobs'));

describe('value encoding', () => {
  const noBlobs = { put: () => { throw new Error('no blob expected'); }, get: () => { throw new Error('no blob expected'); } };

  it('round-trips what service state holds: Buffers, byte views, Maps, Sets, bigints, Dates, nested', () => {
    const value = {
      body: Buffer.from('héllo'),
      binary: new Uint8Array([0, 255, 7]),
      tags: new Map([['k', 'v']]),
      seen: new Set(['a', 'b']),
      sequence: 123456789012345678901234567890n,
      expires: new Date(Date.UTC(2026, 0, 2)),
      list: [1, 'two', { three: [3] }],
      nothing: undefined,
    };
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(value, noBlobs))), noBlobs) as any;
    expect(back.body.equals(value.body)).toBe(true);
    expect([...back.binary]).toEqual([0, 255, 7]);
    expect(back.tags).toEqual(value.tags);
    expect(back.seen).toEqual(value.seen);
    expect(back.sequence).toBe(value.sequence);
    expect(back.expires.getTime()).toBe(value.expires.getTime());
    expect(back.list).toEqual(value.list);
    expect('nothing' in back).toBe(false);
  });

  it('keeps user data that looks like a tag as data', () => {
    const value = { metadata: { $$: 'b64', v: 'aGk=' } };
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(value, noBlobs))), noBlobs)).toEqual(value);
  });
});

describe('DataDirStore', () => {
  it('replays snapshot and journal, last write wins, prefix deletes drop a family of keys', () => {
    let store = new DataDirStore(dir);
    store.append([
      { key: 'q/a', value: { n: 1 } },
      { key: 'm/a/1', value: 'one' },
      { key: 'm/a/2', value: 'two' },
      { key: 'm/b/1', value: 'other' },
    ]);
    store.append([{ key: 'q/a', value: { n: 2 } }, { key: 'm/a/2', deleted: true }]);
    store.append([{ prefix: 'm/a/', deleted: true }, { key: 'm/a/3', value: 'after' }]);
    store.close();
    store = new DataDirStore(dir);
    expect(Object.fromEntries(store.load())).toEqual({ 'q/a': { n: 2 }, 'm/b/1': 'other', 'm/a/3': 'after' });
    store.close();
  });

  it('drops a torn last line (a crash mid-write) and keeps appending after it', () => {
    let store = new DataDirStore(dir);
    store.append([{ key: 'a', value: 1 }]);
    store.close();
    fs.appendFileSync(path.join(dir, 'state', 'journal.jsonl'), '{"k":"b","v":');
    store = new DataDirStore(dir);
    expect(Object.fromEntries(store.load())).toEqual({ a: 1 });
    store.append([{ key: 'c', value: 3 }]);
    store.close();
    store = new DataDirStore(dir);
    expect(Object.fromEntries(store.load())).toEqual({ a: 1, c: 3 });
    store.close();
  });

  it('keeps a flush whole or not at all: a write torn anywhere in it keeps none of its changes', () => {
    let store = new DataDirStore(dir);
    store.append([{ key: 'sns/owed/d1', value: { to: 'lambda' } }]);
    store.close();
    const journal = path.join(dir, 'state', 'journal.jsonl');
    const before = fs.readFileSync(journal);
    store = new DataDirStore(dir);
    store.load();
    // SNS's delivery done and Lambda's saved event: keeping the first without the second would lose the event.
    store.append([{ key: 'sns/owed/d1', deleted: true }, { key: 'lambda/async/e1', value: { payload: 'x'.repeat(40) } }]);
    store.close();
    const whole = fs.readFileSync(journal);
    for (let cut = before.length + 1; cut < whole.length; cut++) {
      fs.writeFileSync(journal, whole.subarray(0, cut));
      store = new DataDirStore(dir);
      expect([cut, Object.fromEntries(store.load())]).toEqual([cut, { 'sns/owed/d1': { to: 'lambda' } }]);
      store.close();
    }
    fs.writeFileSync(journal, whole);
    store = new DataDirStore(dir);
    expect(Object.fromEntries(store.load())).toEqual({ 'lambda/async/e1': { payload: 'x'.repeat(40) } });
    store.close();
  });

  it('writes big bodies as blob files once, and compaction removes the ones nothing refers to', () => {
    const big = Buffer.alloc(INLINE_LIMIT + 1, 1);
    const other = Buffer.alloc(INLINE_LIMIT + 1, 2);
    const store = new DataDirStore(dir);
    store.append([{ key: 'x', value: { body: big } }]);
    store.append([{ key: 'x', value: { body: big, tags: ['again'] } }]);
    expect(blobFiles()).toHaveLength(1);
    store.append([{ key: 'y', value: other }]);
    expect(blobFiles()).toHaveLength(2);
    store.compact([['x', { body: big }]]);
    expect(blobFiles()).toHaveLength(1);
    expect(fs.statSync(path.join(dir, 'state', 'journal.jsonl')).size).toBe(0);
    store.close();
    const again = new DataDirStore(dir);
    const loaded = again.load();
    expect((loaded.get('x') as { body: Buffer }).body.equals(big)).toBe(true);
    expect(loaded.has('y')).toBe(false);
    again.close();
  });

  it('ignores a leftover temporary blob (a crash before its rename)', () => {
    const store = new DataDirStore(dir);
    store.close();
    fs.writeFileSync(path.join(dir, 'state', 'blobs', 'half.tmp'), 'partial');
    new DataDirStore(dir).close();
    expect(blobFiles()).toEqual([]);
  });
});

describe('one emulator per data directory', () => {
  it('refuses a second store while the first is open, and allows one after it closed', () => {
    const first = new DataDirStore(dir);
    expect(() => new DataDirStore(dir)).toThrow(/is in use by another emulator \(process \d+\)/);
    first.close();
    new DataDirStore(dir).close();
  });

  it('takes over a lock left by a process that is gone (kill -9)', () => {
    new DataDirStore(dir).close();
    // A pid above the kernel's pid_max belongs to no process.
    fs.writeFileSync(path.join(dir, 'state', 'lock'), '99999999');
    const store = new DataDirStore(dir);
    expect(fs.readFileSync(path.join(dir, 'state', 'lock'), 'utf8')).toBe(String(process.pid));
    store.close();
  });
});
