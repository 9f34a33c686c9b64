import type { Clock, Timer } from '../core/clock';

/**
 * One timer per secret with a rotation schedule, on the emulator's clock, for when its next rotation is due.
 * `sync(name)` re-reads the due time (after any change to the secret) and moves the timer if it changed; when the
 * timer fires it checks again, so a schedule that moved or ended never rotates by mistake. (Waits longer than a
 * Node timeout can hold are the clock's business: core/clock.ts re-arms them.)
 */

export class RotationScheduler {
  private readonly armed = new Map<string, { due: number; timer: Timer }>();

  constructor(
    private readonly clock: Clock,
    /** When the secret's next rotation is due (undefined: none scheduled). */
    private readonly dueOf: (name: string) => number | undefined,
    /** Starts the due rotation; it must move the due time past now (or end the schedule). */
    private readonly rotate: (name: string) => void,
  ) {}

  sync(name: string): void {
    const due = this.dueOf(name);
    const current = this.armed.get(name);
    if (current && current.due === due) return;
    current?.timer.cancel();
    this.armed.delete(name);
    if (due !== undefined) this.arm(name, due);
  }

  private arm(name: string, due: number): void {
    const timer = this.clock.setTimer(Math.max(0, due - this.clock.now()), () => {
      if (this.armed.get(name)?.timer !== timer) return;
      this.armed.delete(name);
      const now = this.clock.now();
      const still = this.dueOf(name);
      if (still !== undefined && still <= now) this.rotate(name);
      this.sync(name);
    });
    this.armed.set(name, { due, timer });
  }

  /** Secrets with a timer set. */
  get size(): number {
    return this.armed.size;
  }

  cancelAll(): void {
    for (const { timer } of this.armed.values()) timer.cancel();
    this.armed.clear();
  }
}
