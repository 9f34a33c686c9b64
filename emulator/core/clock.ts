import { MinHeap } from './min-heap';

/**
 * The emulator's single source of time. Service logic never calls Date.now() or setTimeout directly,
 * so tests and scenarios can scale time (a 2-minute retry in 120 ms) or drive it by hand (virtual time).
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Emulated wall-clock time, epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `delayMs` of emulated time. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

/** Real time, optionally sped up: emulated durations are multiplied by `scale` to give real ones. */
export class ScaledClock implements Clock {
  private readonly startReal = Date.now();
  constructor(readonly scale = 1) {
    if (!(scale > 0)) throw new Error(`time scale must be > 0, got ${scale}`);
  }
  now(): number {
    return this.startReal + Math.round((Date.now() - this.startReal) / this.scale);
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    return new TimeoutTimer(this, this.now() + Math.max(0, delayMs), fn);
  }
}

/**
 * A real timeout as a Timer (a class, not a closure per timer: SQS sets one per visibility change). Node
 * measures a timeout from the event loop's cached time, which lags the wall clock `now()` reads when the loop
 * is busy, so a timeout can fire before its due time by the clock; it then waits out the rest. A timer never
 * runs early in emulated time (an event's age, a retry's delay).
 */
const fireTimer = (timer: TimeoutTimer): void => timer.fire();

/**
 * Node's longest timeout (~24.8 days); a longer one overflows to 1 ms. A timer due later waits this long and
 * re-arms (fire() waits out the rest), so a secret rotating every 30 days — or a long delay on a slowed-down
 * clock — is one timeout per 24.8 days, not a 1 ms loop.
 */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

class TimeoutTimer implements Timer {
  private handle: ReturnType<typeof setTimeout>;
  constructor(
    private readonly clock: ScaledClock,
    private readonly due: number,
    private readonly fn: () => void,
  ) {
    this.handle = this.arm();
  }
  private arm(): ReturnType<typeof setTimeout> {
    const handle = setTimeout(fireTimer, Math.min(MAX_TIMEOUT_MS, Math.max(0, (this.due - this.clock.now()) * this.clock.scale)), this);
    handle.unref?.();
    return handle;
  }
  fire(): void {
    if (this.clock.now() < this.due) this.handle = this.arm();
    else this.fn();
  }
  cancel(): void {
    clearTimeout(this.handle);
  }
}

interface PendingTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
  /** Taken off the heap (fired or dropped): a later cancel() has nothing to count. */
  done: boolean;
}

/**
 * Cancelled timers stay in the heap until they come up; past this many, and more than half of the heap, they
 * are dropped in one pass, so a run that keeps cancelling far-off timers (long polls answered early) does not
 * hold every one of them until its due time.
 */
const CANCELLED_BEFORE_COMPACTION = 1024;

/**
 * Time that moves only when told to. `advance(ms)` fires every timer due in that span, in due order
 * (ties in creation order), so a scenario is deterministic.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  /** By due time, ties in creation order. (Sorting them all before each firing took 14 s for 20,000 timers.) */
  private readonly pending = new MinHeap<PendingTimer>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
  /** Cancelled timers still in `pending`. */
  private cancelledInHeap = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const t: PendingTimer = { due: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false, done: false };
    this.pending.push(t);
    return { cancel: () => this.cancel(t) };
  }
  /** Number of timers still waiting. */
  get pendingCount(): number {
    return this.pending.size - this.cancelledInHeap;
  }
  /** Timers held in memory, cancelled ones not yet dropped included. */
  get heldCount(): number {
    return this.pending.size;
  }
  /** Due time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.nextLive()?.due;
  }
  /** Moves time forward by `ms`, firing due timers (including ones they schedule within the span). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextLive();
      if (!next || next.due > target) break;
      this.pending.pop();
      next.done = true;
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }
  /** The earliest timer not cancelled; cancelled ones are dropped on the way. */
  private nextLive(): PendingTimer | undefined {
    while (this.pending.peek()?.cancelled) {
      this.pending.pop()!.done = true;
      this.cancelledInHeap--;
    }
    return this.pending.peek();
  }
  private cancel(t: PendingTimer): void {
    if (t.cancelled || t.done) return;
    t.cancelled = true;
    if (++this.cancelledInHeap < CANCELLED_BEFORE_COMPACTION || this.cancelledInHeap * 2 <= this.pending.size) return;
    this.pending.retain((p) => {
      if (p.cancelled) p.done = true;
      return !p.cancelled;
    });
    this.cancelledInHeap = 0;
  }
}

/** Parses durations such as `250ms`, `5s`, `2m`, `1h` (a bare number is milliseconds). */
/**
 * `clock.setTimer`, cancelled if `signal` aborts first (then `onAbort` runs instead of `fn`): for work a
 * service's reset or close must end, such as a retry waiting on its backoff.
 */
export function setAbortableTimer(clock: Clock, delayMs: number, fn: () => void, signal?: AbortSignal, onAbort?: () => void): void {
  if (signal?.aborted) return onAbort?.();
  const cancel = () => {
    timer.cancel();
    onAbort?.();
  };
  const timer = clock.setTimer(delayMs, () => {
    signal?.removeEventListener('abort', cancel);
    fn();
  });
  signal?.addEventListener('abort', cancel, { once: true });
}

export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: "${text}" (use e.g. 500ms, 5s, 2m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}
