import { VirtualClock } from './clock';

/**
 * Virtual time for scenarios: time stands still while anything is happening (a request being served, a
 * function running, a delivery being received) and jumps to the next timer as soon as everything is quiet.
 * An AWS retry schedule of minutes then completes in milliseconds, and the order of events depends only on
 * what the system does, not on how fast this machine is.
 */
export class AutoAdvancingClock extends VirtualClock {
  private timer: NodeJS.Timeout | undefined;
  private quietTicks = 0;
  /** How many times the clock has looked for quiet (for tests that need to know it has been looking). */
  looks = 0;

  constructor(
    private readonly isBusy: () => boolean,
    start?: number,
    /** Real milliseconds of quiet before time jumps (lets promise chains and client round trips settle). */
    private readonly settleMs = 2,
  ) {
    super(start);
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.step();
      this.timer = setTimeout(loop, this.settleMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look: after two quiet looks in a row, jump to the next due timer. */
  private step(): void {
    this.looks++;
    if (this.isBusy()) {
      this.quietTicks = 0;
      return;
    }
    if (++this.quietTicks < 2) return;
    const due = this.nextDue();
    if (due === undefined) return;
    this.quietTicks = 0;
    this.advance(Math.max(0, due - this.now()));
  }
}
