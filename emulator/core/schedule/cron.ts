import { fromWallTime, wallTime } from './zoned-time';

/**
 * EventBridge's six-field cron, `Minutes Hours Day-of-month Month Day-of-week Year`, as Scheduler reads it in the
 * schedule's time zone: `,` `-` `*` `/` everywhere, `?` in exactly one of the two day fields, `L` and `W` (`15W`,
 * `LW`) in Day-of-month, `L` (`5L`: last Thursday) and `#` (`2#1`: first Monday) in Day-of-week, names for months
 * (JAN–DEC) and weekdays (SUN–SAT, 1 = Sunday), years 1970–2199.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const LAST_YEAR = 2199;

export interface Cron {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  years: Set<number>;
  /** Day-of-month: listed days, the last day (`L`), the weekday nearest a day (`15W`), the last weekday (`LW`); undefined when `?`. */
  dom?: { days: Set<number>; last: boolean; nearestWeekday: number[]; lastWeekday: boolean };
  /** Day-of-week (1 = Sunday): listed days, the last given weekday (`5L`), the nth given weekday (`2#1`); undefined when `?`. */
  dow?: { days: Set<number>; lastOf: number[]; nth: [weekday: number, n: number][] };
}

class CronError extends Error {}

/** Values of one field: `*`, `n`, `a-b`, each optionally `/step`, comma-separated; names where given. */
function parseValues(text: string, min: number, max: number, names: string[] = []): Set<number> {
  const value = (t: string): number => {
    const named = names.indexOf(t.toUpperCase());
    const n = named >= 0 ? named + 1 : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max)) throw new CronError(`${t} is outside ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || !range) throw new CronError(`bad field ${text}`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : NaN;
    if (!(step >= 1)) throw new CronError(`bad increment in ${item}`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new CronError(`bad range ${range}`);
      [from, to] = [value(a!), value(b!)];
      if (from > to) throw new CronError(`bad range ${range}`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

/** The cron for the text between `cron(` and `)`, or undefined when EventBridge would refuse it. */
export function parseCron(body: string): Cron | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) return undefined;
  try {
    const cron: Cron = {
      minutes: sorted(parseValues(minutes, 0, 59)),
      hours: sorted(parseValues(hours, 0, 23)),
      months: parseValues(month, 1, 12, MONTHS),
      years: parseValues(year, 1970, LAST_YEAR),
    };
    if (dom !== '?') {
      const d: NonNullable<Cron['dom']> = { days: new Set(), last: false, nearestWeekday: [], lastWeekday: false };
      for (const item of dom.split(',')) {
        const w = /^(\d+)W$/.exec(item);
        if (item === 'L') d.last = true;
        else if (item === 'LW') d.lastWeekday = true;
        else if (w) d.nearestWeekday.push([...parseValues(w[1]!, 1, 31)][0]!);
        else for (const n of parseValues(item, 1, 31)) d.days.add(n);
      }
      cron.dom = d;
    }
    if (dow !== '?') {
      const d: NonNullable<Cron['dow']> = { days: new Set(), lastOf: [], nth: [] };
      const weekday = (t: string) => [...parseValues(t, 1, 7, WEEKDAYS)][0]!;
      for (const item of dow.split(',')) {
        const nth = /^(\w+)#([1-5])$/.exec(item);
        const lastOf = /^(\w+)L$/.exec(item);
        if (item === 'L') d.days.add(7);
        else if (nth) d.nth.push([weekday(nth[1]!), Number(nth[2])]);
        else if (lastOf) d.lastOf.push(weekday(lastOf[1]!));
        else for (const n of parseValues(item, 1, 7, WEEKDAYS)) d.days.add(n);
      }
      cron.dow = d;
    }
    return cron;
  } catch (err) {
    if (err instanceof CronError) return undefined;
    throw err;
  }
}

const daysInMonth = (y: number, m0: number) => new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
const isWeekend = (y: number, m0: number, d: number) => [0, 6].includes(new Date(Date.UTC(y, m0, d)).getUTCDay());

/** The weekday (Mon–Fri) nearest `day` within its month, as Quartz and EventBridge define `W`. */
function nearestWeekday(y: number, m0: number, day: number): number {
  const last = daysInMonth(y, m0);
  const d = Math.min(day, last);
  const wd = new Date(Date.UTC(y, m0, d)).getUTCDay();
  if (wd === 6) return d === 1 ? 3 : d - 1;
  if (wd === 0) return d === last ? d - 2 : d + 1;
  return d;
}

function dayMatches(c: Cron, dayWall: number): boolean {
  const t = new Date(dayWall);
  const [y, m0, date] = [t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()];
  const last = daysInMonth(y, m0);
  if (c.dom) {
    const d = c.dom;
    if (d.days.has(date) || (d.last && date === last)) return true;
    if (d.nearestWeekday.some((n) => nearestWeekday(y, m0, n) === date)) return true;
    if (d.lastWeekday) {
      let lw = last;
      while (isWeekend(y, m0, lw)) lw--;
      if (lw === date) return true;
    }
    return false;
  }
  const w = c.dow!;
  const weekday = t.getUTCDay() + 1;
  return w.days.has(weekday) || w.lastOf.some((n) => n === weekday && date + 7 > last) || w.nth.some(([n, k]) => n === weekday && Math.ceil(date / 7) === k);
}

/** The first instant after `after` that the cron names in `zone` (undefined when none is left before 2200). */
export function nextCronTime(c: Cron, after: number, zone: string): number | undefined {
  const fromWall = wallTime(after, zone);
  const maxYear = Math.max(...c.years);
  let day = Math.floor(fromWall / DAY_MS) * DAY_MS;
  for (;;) {
    const t = new Date(day);
    const [y, m0] = [t.getUTCFullYear(), t.getUTCMonth()];
    if (y > maxYear) return undefined;
    if (!c.years.has(y)) {
      day = Date.UTC(y + 1, 0, 1);
      continue;
    }
    if (!c.months.has(m0 + 1)) {
      day = Date.UTC(y, m0 + 1, 1);
      continue;
    }
    if (dayMatches(c, day)) {
      for (const h of c.hours) {
        // Hours wholly before the start need no conversion (the margin covers a daylight-saving jump).
        if (day + (h + 1) * HOUR_MS < fromWall - 3 * HOUR_MS) continue;
        for (const m of c.minutes) {
          const instant = fromWallTime(day + h * HOUR_MS + m * MINUTE_MS, zone);
          if (instant > after) return instant;
        }
      }
    }
    day += DAY_MS;
  }
}
