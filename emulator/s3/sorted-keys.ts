/**
 * Object keys kept in S3's listing order (lexicographic by UTF-8 bytes), so a listing page costs
 * O(log n + page). Keys live in blocks of a few hundred (a flat sorted array would move every later key on
 * each insert); positions are global indexes, resolved through the blocks' start offsets.
 */

/**
 * Compares two strings by their UTF-8 byte sequences without encoding them. UTF-16 order differs from
 * UTF-8/code-point order only where a surrogate (U+D800–DFFF) meets a unit at or above U+E000, so those
 * units are shifted to restore code-point order.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca - cb;
  }
  return a.length - b.length;
}

/** Index of the first element of a sorted array >= key. */
function lowerBoundIn(arr: string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUtf8(arr[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const MAX_BLOCK = 1024;

export class SortedKeys {
  private blocks: string[][] = [];
  /** Global index of each block's first key; rebuilt lazily after changes. */
  private starts: number[] | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The block that holds `key` or where it would go: the first whose last key >= key (else the last block). */
  private blockFor(key: string): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid]!;
      if (compareUtf8(block[block.length - 1]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private blockStarts(): number[] {
    if (!this.starts) {
      const starts: number[] = [];
      let at = 0;
      for (const b of this.blocks) {
        starts.push(at);
        at += b.length;
      }
      this.starts = starts;
    }
    return this.starts;
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    if (this.count === 0) return 0;
    const b = this.blockFor(key);
    return this.blockStarts()[b]! + lowerBoundIn(this.blocks[b]!, key);
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    const i = this.lowerBound(key);
    return this.at(i) === key ? i + 1 : i;
  }

  /** Index of the first key at or after `from` that does not start with `prefix` (keys with a prefix are contiguous). */
  endOfPrefix(prefix: string, from: number): number {
    let lo = from;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid)!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    return this.at(this.lowerBound(key)) === key;
  }

  insert(key: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.count = 1;
      this.starts = undefined;
      return;
    }
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBoundIn(block, key);
    if (block[i] === key) return;
    block.splice(i, 0, key);
    this.count++;
    if (block.length > MAX_BLOCK) this.blocks.splice(b + 1, 0, block.splice(block.length >>> 1));
    this.starts = undefined;
  }

  delete(key: string): void {
    if (this.blocks.length === 0) return;
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBoundIn(block, key);
    if (block[i] !== key) return;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) this.blocks.splice(b, 1);
    this.starts = undefined;
  }

  at(i: number): string | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const starts = this.blockStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.blocks[lo]![i - starts[lo]!];
  }

  clear(): void {
    this.blocks = [];
    this.starts = undefined;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const b of this.blocks) yield* b;
  }
}
