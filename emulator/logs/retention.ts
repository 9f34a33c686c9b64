import { DAY_MS } from '../core/calendar';
import type { Clock, Timer } from '../core/clock';
import { constraintViolation } from '../core/errors';
import { groupId, type LogEvent, type LogGroup, type LogStream } from './state';

/**
 * Log group retention (PutRetentionPolicy). An event expires once the emulator clock reaches its *timestamp* (the
 * time it happened, not its ingestion time) plus the group's retentionInDays days — AWS measures the same thing:
 * PutLogEvents rejects events "preceding the log group's retention period".
 *
 * When it is deleted. AWS only marks an expired event for deletion (storedBytes stops counting it at once) and
 * removes it "typically up to 72 hours" later. An emulator cannot reproduce that window usefully, and a test that
 * relies on seeing an expired event would be wrong against AWS anyway, so the emulator takes the strictest reading:
 *   - every read (GetLogEvents, FilterLogEvents, DescribeLogStreams, DescribeLogGroups' storedBytes) first removes
 *     what has expired in that group, so no read ever returns an expired event, whatever the clock does;
 *   - a timer on the emulator clock, per group, at the first whole UTC hour at or after the group's earliest expiry,
 *     removes expired events nobody reads, so memory and `--data-dir` shrink too (one sweep per group per emulated
 *     hour at most, however many distinct timestamps expire);
 *   - PutRetentionPolicy applies a shorter retention at once; DeleteRetentionPolicy stops expiry (events already
 *     removed stay removed).
 * Streams are never deleted, even when emptied (as on AWS); the group's storedBytes drops with its events.
 */

const HOUR_MS = 3_600_000;

/** retentionInDays values AWS accepts. */
const RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** PutRetentionPolicy's check: InvalidParameterException, in AWS's validation wording, for any other value. */
export function validRetentionDays(value: unknown): number {
  if (typeof value !== 'number' || !RETENTION_DAYS.includes(value)) {
    throw constraintViolation('InvalidParameterException', 'retentionInDays', value, `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
  }
  return value;
}

/** Timestamps at or before this have expired at `now`; -Infinity when the group keeps events forever. */
export const expiryCutoff = (g: LogGroup, now: number): number => (g.retentionInDays === undefined ? -Infinity : now - g.retentionInDays * DAY_MS);

/** Bytes a group stores: the UTF-8 size of its (unexpired) messages. */
export function storedBytes(g: LogGroup): number {
  let bytes = 0;
  for (const s of g.streams.values()) for (const e of s.events) bytes += Buffer.byteLength(e.message, 'utf8');
  return bytes;
}

export interface RetentionHooks {
  /** `removed` left `stream` of `group` because it expired (persist and report it). */
  expired(group: LogGroup, stream: LogStream, removed: LogEvent[]): void;
}

interface Armed {
  group: LogGroup;
  /** When the group's earliest remaining event expires. */
  nextExpiry: number;
  timer?: Timer;
  timerDue?: number;
}

export function createRetention(clock: Clock, groups: Map<string, LogGroup>, hooks: RetentionHooks) {
  /** Groups with a retention policy and events, by groupId. */
  const armed = new Map<string, Armed>();

  const disarm = (name: string) => {
    armed.get(name)?.timer?.cancel();
    armed.delete(name);
  };

  /** Records when `g` next has something to expire, and sets its sweep timer for the following whole hour. */
  function arm(g: LogGroup, nextExpiry: number): void {
    let a = armed.get(groupId(g));
    if (a && a.group !== g) disarm(groupId(g));
    a = armed.get(groupId(g));
    if (!a) armed.set(groupId(g), (a = { group: g, nextExpiry }));
    a.nextExpiry = nextExpiry;
    const due = Math.ceil(nextExpiry / HOUR_MS) * HOUR_MS;
    if (a.timer && a.timerDue === due) return;
    a.timer?.cancel();
    a.timerDue = due;
    const entry = a;
    a.timer = clock.setTimer(Math.max(0, due - clock.now()), () => {
      if (armed.get(groupId(g)) !== entry) return;
      entry.timer = entry.timerDue = undefined;
      sweep(g);
    });
  }

  /** Removes what has expired in `g` and re-arms for the earliest expiry left (a full scan of the group). */
  function sweep(g: LogGroup): void {
    if (g.retentionInDays === undefined || groups.get(groupId(g)) !== g) return disarm(groupId(g));
    const cutoff = expiryCutoff(g, clock.now());
    let oldest = Infinity;
    for (const s of g.streams.values()) {
      let removed: LogEvent[] | undefined;
      for (const e of s.events) {
        if (e.timestamp <= cutoff) (removed ??= []).push(e);
        else if (e.timestamp < oldest) oldest = e.timestamp;
      }
      if (!removed) continue;
      s.events = s.events.filter((e) => e.timestamp > cutoff);
      hooks.expired(g, s, removed);
    }
    if (oldest === Infinity) disarm(groupId(g));
    else arm(g, oldest + g.retentionInDays * DAY_MS);
  }

  return {
    /** Before a read of `g`: removes its expired events if any are due (O(1) when none is). */
    settle(g: LogGroup): LogGroup {
      const a = armed.get(groupId(g));
      if (a && a.group === g && a.nextExpiry <= clock.now()) sweep(g);
      return g;
    },
    /** Events were stored in `g`: they may expire before anything it already holds. */
    added(g: LogGroup, events: LogEvent[]): void {
      if (g.retentionInDays === undefined || events.length === 0) return;
      let oldest = Infinity;
      for (const e of events) if (e.timestamp < oldest) oldest = e.timestamp;
      const expiry = oldest + g.retentionInDays * DAY_MS;
      const a = armed.get(groupId(g));
      if (!a || a.group !== g || expiry < a.nextExpiry) arm(g, expiry);
    },
    /** `g`'s retention changed, or it was restored: applies the policy now and re-arms (or disarms). */
    policyChanged(g: LogGroup): void {
      sweep(g);
    },
    groupDeleted(id: string): void {
      disarm(id);
    },
    /** Every group (after a restore from disk). */
    syncAll(): void {
      for (const g of groups.values()) sweep(g);
    },
    cancelAll(): void {
      for (const a of armed.values()) a.timer?.cancel();
      armed.clear();
    },
  };
}
