import { AwsError } from '../core/errors';
import type { LogEvent, LogStream } from './state';

/**
 * Reading a stream in time order, and the position tokens GetLogEvents and FilterLogEvents page with.
 *
 * A stream keeps its events in arrival order (persistence keys batches by arrival number), but readers see them
 * by timestamp, ties in arrival order: PutLogEvents may send events older than ones already stored. The view is
 * the stored array itself while arrivals come in time order (the usual case, a function's own log lines); only a
 * stream that received an older event after a newer one gets a sorted copy, rebuilt when it grows.
 *
 * A token names a position between two events, `(timestamp, arrival number)`, not an index: events arriving or
 * expiring between two calls then neither repeat nor skip an event of the next page.
 */
export interface EventKey {
  timestamp: number;
  seq: number;
}

export const compareEvents = (a: EventKey, b: EventKey): number => a.timestamp - b.timestamp || a.seq - b.seq;

/** Before every event (timestamps are not negative; arrival numbers start at 0). */
export const BEFORE_ALL: EventKey = { timestamp: 0, seq: -1 };

interface View {
  source: LogEvent[];
  /** `source[0..inOrder)` is in time order. */
  inOrder: number;
  /** A sorted copy once `source` is out of order, of `source`'s first `sorted.length` events. */
  sorted?: LogEvent[];
}
const views = new WeakMap<LogStream, View>();

/** The stream's events by timestamp, ties in arrival order. Do not modify the result. */
export function eventsInTimeOrder(s: LogStream): readonly LogEvent[] {
  let v = views.get(s);
  if (!v || v.source !== s.events || (v.sorted && v.sorted.length > s.events.length)) {
    v = { source: s.events, inOrder: Math.min(1, s.events.length) };
    views.set(s, v);
  }
  const events = s.events;
  if (!v.sorted) {
    while (v.inOrder < events.length && compareEvents(events[v.inOrder - 1]!, events[v.inOrder]!) <= 0) v.inOrder++;
    if (v.inOrder === events.length) return events;
  }
  if (!v.sorted || v.sorted.length !== events.length) v.sorted = [...events].sort(compareEvents);
  return v.sorted;
}

/** Index of the first event after `key` (`strict`) or at/after it, by binary search. */
export function indexAfter(events: readonly EventKey[], key: EventKey, strict: boolean): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareEvents(events[mid]!, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first event at or after `timestamp`. */
export const indexAtTime = (events: readonly EventKey[], timestamp: number): number => indexAfter(events, { timestamp, seq: -1 }, true);

export type Direction = 'f' | 'b';

export interface Position {
  direction: Direction;
  key: EventKey;
}

/** Logs' answer to a nextToken it did not hand out (paging tokens and position tokens alike). */
export const invalidToken = () => new AwsError('InvalidParameterException', 'The specified nextToken is invalid.', 400);

/** `f/<timestamp>/<seq>` reads on after that event, `b/…` back from before it (the shape AWS's tokens have). */
export const positionToken = (direction: Direction, key: EventKey): string => `${direction}/${key.timestamp}/${key.seq}`;

export function parsePositionToken(token: string, allowed: readonly Direction[]): Position {
  const m = /^([fb])\/(\d{1,16})\/(-1|\d{1,16})$/.exec(token);
  if (!m || !allowed.includes(m[1] as Direction)) throw invalidToken();
  return { direction: m[1] as Direction, key: { timestamp: Number(m[2]), seq: Number(m[3]) } };
}
