import { VirtualClock } from '../../emulator/core/clock';

/*
 * The virtual clock sorted every pending timer before each one it fired (20,000 timers due in one advance took
 * 14 s) and found the next due time with Math.min(...all), which throws past about 120,000 timers: the
 * auto-advancing clock of --virtual-time then ended the process.
 */
describe('VirtualClock with many timers', () => {
  it('fires 200,000 timers in due order, ties in creation order, skipping cancelled ones', () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const count = 200_000;
    for (let i = 0; i < count; i++) {
      // Due times 1000..1006 ms, interleaved, so ties abound.
      const timer = clock.setTimer(1000 + ((i * 3) % 7), () => fired.push(i));
      if (i % 10 === 0) timer.cancel();
    }
    expect(clock.nextDue()).toBe(1000);
    expect(clock.pendingCount).toBe(count - count / 10);

    const started = Date.now();
    clock.advance(2000);
    // A guard only: minutes before.
    expect(Date.now() - started).toBeLessThan(5_000);

    expect(fired).toHaveLength(count - count / 10);
    const dueOf = (i: number) => 1000 + ((i * 3) % 7);
    const ordered = fired.every((i, k) => k === 0 || dueOf(fired[k - 1]!) < dueOf(i) || (dueOf(fired[k - 1]!) === dueOf(i) && fired[k - 1]! < i));
    expect(ordered).toBe(true);
    expect(clock.now()).toBe(2000);
    expect(clock.nextDue()).toBeUndefined();
  });

  it('fires timers scheduled by a firing timer within the same advance', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(10, () => {
      seen.push(`a@${clock.now()}`);
      clock.setTimer(0, () => seen.push(`b@${clock.now()}`));
      clock.setTimer(50, () => seen.push(`c@${clock.now()}`));
    });
    clock.setTimer(20, () => seen.push(`d@${clock.now()}`));
    clock.advance(100);
    expect(seen).toEqual(['a@10', 'b@10', 'd@20', 'c@60']);
  });

  /*
   * Cancelled timers stayed in the heap until their due time: a run answering 20 s long polls early held every
   * one of them for 20 virtual seconds.
   */
  it('drops cancelled timers long before their due time, and still fires the live ones in order', () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const longPoll = clock.setTimer(20_000, () => fired.push(-1));
      if (i % 1000 === 0) clock.setTimer(30_000 - i / 1000, () => fired.push(i));
      longPoll.cancel();
      longPoll.cancel(); // twice: counted once
    }
    expect(clock.pendingCount).toBe(100);
    expect(clock.heldCount).toBeLessThan(100 + 2 * 1024);
    clock.advance(40_000);
    expect(fired).toEqual(Array.from({ length: 100 }, (_, k) => (99 - k) * 1000));
    expect(clock.heldCount).toBe(0);
  });

  it('does not count a cancel after the timer fired', () => {
    const clock = new VirtualClock(0);
    const timers = Array.from({ length: 3000 }, () => clock.setTimer(1, () => undefined));
    clock.advance(1);
    for (const t of timers) t.cancel();
    const live = clock.setTimer(5, () => undefined);
    expect(clock.pendingCount).toBe(1);
    expect(clock.nextDue()).toBe(6);
    live.cancel();
    expect(clock.pendingCount).toBe(0);
    expect(clock.nextDue()).toBeUndefined();
  });
});
