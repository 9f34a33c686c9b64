/**
 * Wall-clock time in an IANA time zone, through Node's Intl (no time-zone database of our own). A "wall" time is
 * the zone's local date and time written as if it were UTC epoch milliseconds, so calendar arithmetic on it
 * (next day, next month) never meets a daylight-saving jump.
 */

const HOUR_MS = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

const isUtc = (zone: string) => zone === 'UTC' || zone === 'Etc/UTC';

/** True when Intl knows the zone (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall-clock time at `instant`. */
export function wallTime(instant: number, zone: string): number {
  if (isUtc(zone)) return instant;
  const parts: Record<string, number> = {};
  for (const p of formatFor(zone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + ms;
}

/**
 * The instant the zone's clocks show `wall`. A time clocks show twice (the hour repeated when daylight saving
 * ends) is its first occurrence; a time they skip (the hour lost when it starts) is moved forward by the jump,
 * so 02:30 on a spring-forward night in New York is 03:30 EDT.
 */
export function fromWallTime(wall: number, zone: string): number {
  if (isUtc(zone)) return wall;
  const offsetAt = (instant: number) => wallTime(instant, zone) - instant;
  const early = wall - offsetAt(wall - 14 * HOUR_MS);
  const late = wall - offsetAt(wall + 14 * HOUR_MS);
  const exact = [early, late, wall - offsetAt(wall - offsetAt(wall))].filter((t) => wallTime(t, zone) === wall);
  return exact.length ? Math.min(...exact) : Math.max(early, late);
}
