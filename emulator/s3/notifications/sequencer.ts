import type { Clock } from '../../core/clock';

/**
 * S3 event `sequencer` values. AWS's look like `005F63A9DAF94F4D9E`: 18 upper-case hex digits, "00",
 * then the epoch second (0x5F63A9DA = 2020-09-17T18:24Z, the hour in that record's object key), then 8
 * more digits. The same shape is made here, with the last 8 digits a counter, so values from one
 * source strictly increase: a later event for any key (hence for the same key) compares larger.
 * The clock is injected (never Date.now); a clock that stands still or steps back cannot make a
 * value repeat or shrink.
 */
export class SequencerSource {
  private second = 0;
  private counter = -1;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** The next sequencer. `key` is accepted for call-site clarity; ordering is global. */
  next(_key?: string): string {
    const now = Math.floor(this.clock.now() / 1000);
    if (now > this.second) {
      this.second = now;
      this.counter = 0;
    } else if (this.counter >= 0xffffffff) {
      this.second += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    return `00${hex(this.second, 8)}${hex(this.counter, 8)}`;
  }
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/**
 * Orders two sequencers of the same key: pad the shorter with zeros, then compare as strings. S3's
 * current User Guide pads on the right, the old Developer Guide said the left (fact sheet "doc
 * conflict"); this follows the current guide. Values from SequencerSource all have one length, so
 * either rule gives the same answer for them.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const [x, y] = [a.toUpperCase().padEnd(width, '0'), b.toUpperCase().padEnd(width, '0')];
  return x < y ? -1 : x > y ? 1 : 0;
}
