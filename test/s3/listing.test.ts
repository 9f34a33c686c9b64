import { walk, walkKeys, decodeContinuationToken, encodeContinuationToken } from '../../emulator/s3/listing';
import { compareUtf8, SortedKeys } from '../../emulator/s3/sorted-keys';
import { awsError, ctx, setup } from './helpers';

function keysOf(list: string[]): SortedKeys {
  const k = new SortedKeys();
  for (const s of list) k.insert(s);
  return k;
}

describe('UTF-8 key order', () => {
  test('compareUtf8 agrees with comparing UTF-8 bytes, including surrogate pairs and BMP private use', () => {
    const alphabet = ['a', 'b', 'z', '/', '~', 'é', '\u00ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '𝄞', '\u{10ffff}'];
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const strings: string[] = [];
    for (let i = 0; i < 400; i++) {
      let s = '';
      const n = Math.floor(rand() * 5);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      strings.push(s);
    }
    for (let i = 0; i < strings.length; i++) {
      const a = strings[i]!;
      const b = strings[(i * 7 + 3) % strings.length]!;
      expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });

  test('SortedKeys keeps byte order under random insertion and deletion', () => {
    const list = ['b', 'a/1', 'a/2', '\ue000', '😀', 'a', 'A', 'a/1'];
    const k = keysOf(list);
    expect([...k]).toEqual([...new Set(list)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    k.delete('a/1');
    expect(k.has('a/1')).toBe(false);
    expect(k.size).toBe(6);
  });
});

describe('listing walk', () => {
  const keys = keysOf(['a.txt', 'photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/index', 'videos/x.mp4', 'z']);

  test('delimiter rolls keys up into common prefixes, each counted once', () => {
    const r = walk(keys, { prefix: '', delimiter: '/', max: 1000 });
    expect(r.entries).toEqual([
      { kind: 'key', key: 'a.txt' },
      { kind: 'prefix', prefix: 'photos/' },
      { kind: 'prefix', prefix: 'videos/' },
      { kind: 'key', key: 'z' },
    ]);
    expect(r.truncated).toBe(false);
  });

  test('prefix and delimiter together', () => {
    const r = walk(keys, { prefix: 'photos/', delimiter: '/', max: 1000 });
    expect(r.entries).toEqual([
      { kind: 'prefix', prefix: 'photos/2024/' },
      { kind: 'prefix', prefix: 'photos/2025/' },
      { kind: 'key', key: 'photos/index' },
    ]);
  });

  test('paging: max entries, truncated, resuming after a returned common prefix skips it', () => {
    const first = walk(keys, { prefix: '', delimiter: '/', max: 2 });
    expect(first.truncated).toBe(true);
    expect(first.entries.map((e) => (e.kind === 'key' ? e.key : e.prefix))).toEqual(['a.txt', 'photos/']);
    const second = walk(keys, { prefix: '', delimiter: '/', max: 2, after: 'photos/' });
    expect(second.entries.map((e) => (e.kind === 'key' ? e.key : e.prefix))).toEqual(['videos/', 'z']);
    expect(second.truncated).toBe(false);
  });

  test('exact page boundary is not truncated', () => {
    expect(walk(keys, { prefix: '', max: 7 }).truncated).toBe(false);
    expect(walk(keys, { prefix: '', max: 6 }).truncated).toBe(true);
    expect(walk(keys, { prefix: '', max: 0 })).toEqual({ entries: [], truncated: false });
  });

  test('a marker past the prefix ends the walk; a marker before it starts at the prefix', () => {
    expect([...walkKeys(keys, { prefix: 'photos/', after: 'q' })]).toEqual([]);
    expect([...walkKeys(keys, { prefix: 'photos/', after: 'b' })].length).toBe(4);
  });

  test('include hides keys, and a common prefix whose keys are all hidden', () => {
    const r = walk(keys, { prefix: '', delimiter: '/', max: 1000, include: (k) => !k.startsWith('videos/') && k !== 'z' });
    expect(r.entries).toEqual([
      { kind: 'key', key: 'a.txt' },
      { kind: 'prefix', prefix: 'photos/' },
    ]);
  });

  test('continuation tokens round-trip; foreign ones are InvalidArgument', async () => {
    expect(decodeContinuationToken(encodeContinuationToken('photos/é'))).toBe('photos/é');
    const err = await awsError(() => decodeContinuationToken('bm90LW91cnM='));
    expect(err).toMatchObject({ code: 'InvalidArgument', message: 'The continuation token provided is incorrect' });
  });
});

describe('ListObjectsV2 over 100,000 keys', () => {
  test('pages through every key in order with delimiter roll-up', async () => {
    const { s3 } = setup();
    const c = ctx();
    await s3.CreateBucket({ Bucket: 'many-keys' }, c);
    const body = Buffer.alloc(0);
    // Inserted in a scrambled order; listing must come back sorted.
    const all: string[] = [];
    for (let i = 0; i < 100_000; i++) all.push(`dir${(i * 7919) % 10}/key-${String((i * 104729) % 100_000).padStart(6, '0')}`);
    for (const Key of all) await s3.PutObject({ Bucket: 'many-keys', Key, Body: body }, c);

    const top = await s3.ListObjectsV2({ Bucket: 'many-keys', Delimiter: '/' }, c);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(Array.from({ length: 10 }, (_, i) => `dir${i}/`));
    expect(top.KeyCount).toBe(10);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.ListObjectsV2({ Bucket: 'many-keys', Prefix: 'dir3/', ContinuationToken: token }, c);
      for (const o of page.Contents ?? []) seen.push(o.Key!);
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    const expected = all.filter((k) => k.startsWith('dir3/')).sort();
    expect(seen).toEqual(expected);

    const late = await s3.ListObjectsV2({ Bucket: 'many-keys', StartAfter: 'dir9/key-099990', MaxKeys: 5 }, c);
    expect(late.Contents?.map((o) => o.Key)).toEqual(
      all.filter((k) => k > 'dir9/key-099990').sort().slice(0, 5),
    );
  }, 120_000);
});
