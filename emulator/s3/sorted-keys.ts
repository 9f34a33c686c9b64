/**
 * Object keys kept in S3's listing order (lexicographic by UTF-8 bytes) in a sorted array, so a listing
 * page costs O(log n + page) and inserting a key O(log n) comparisons plus one array move.
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

export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareUtf8(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    const i = this.lowerBound(key);
    return i < this.keys.length && this.keys[i] === key ? i + 1 : i;
  }

  /** Index of the first key at or after `from` that does not start with `prefix` (keys with a prefix are contiguous). */
  endOfPrefix(prefix: string, from: number): number {
    let lo = from;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    const i = this.lowerBound(key);
    return this.keys[i] === key;
  }

  insert(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  delete(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  at(i: number): string | undefined {
    return this.keys[i];
  }

  clear(): void {
    this.keys = [];
  }

  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.keys;
  }
}
