/**
 * The two containers a queue needs to stay cheap at 100,000 messages: a binary min-heap (next delay end,
 * next visibility expiry, oldest message for retention; core/min-heap.ts) and an array-backed FIFO with an
 * amortised O(1) shift. Both tolerate stale entries: callers skip what no longer applies instead of searching.
 */
export { MinHeap } from '../core/min-heap';

export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  /** Items from the front, without removing them. */
  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
