import { addDays, previousMidnight } from '../core/calendar';
import { inRange, invalidParameter, lengthIn } from './errors';
import type { RotationRules } from './secrets';

/**
 * Rotation schedules as Secrets Manager reads them, all in UTC: AutomaticallyAfterDays, `rate(N hours|days)` and
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)` (Secrets Manager's cron: minutes 0, year `*`, one of
 * the two day fields `?`, hours at least four apart; `L` and `#` as in EventBridge; no `W`), not AutomaticallyAfterDays
 * and an expression together. Each schedule opens rotation windows:
 *   - days (AutomaticallyAfterDays, rate in days): the UTC day N days after the last rotation, from midnight;
 *   - rate in hours: slots every N hours from midnight (starting again each day), the slot N hours after the last one;
 *   - cron: the next time the expression names after the last rotation.
 * A window lasts Duration (`3h`), by default one hour for schedules in hours (a rate in hours, a cron naming
 * several hours) and until the end of the UTC day otherwise; a Duration that would run into the next window or the
 * next UTC day is refused, and a window never runs into the next UTC day.
 */

const HOUR_MS = 3_600_000;
const RATE = /^rate\((\d+) (hours?|days?)\)$/;
const CRON = /^cron\((.*)\)$/;
const DURATION = /^(\d+)h$/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** "You can rotate a secret as often as every four hours." */
const MIN_HOURS_APART = 4;
/** Secrets Manager does not allow schedules more than a year apart: look no further than this for the next match. */
const CRON_HORIZON_DAYS = 2 * 366;

export interface RotationWindow {
  opens: number;
  closes: number;
}

interface Cron {
  hours: number[];
  months: Set<number>;
  /** Day-of-month: listed days and/or the last day (`L`); undefined when `?`. */
  dom?: { days: Set<number>; last: boolean };
  /** Day-of-week (1 = Sunday): listed days, last given weekday of the month (`5L`), nth weekday (`2#1`); undefined when `?`. */
  dow?: { days: Set<number>; lastOf: number[]; nth: [weekday: number, n: number][] };
}

type Schedule = { kind: 'days'; days: number } | { kind: 'hours'; hours: number } | { kind: 'cron'; cron: Cron };

const badExpression = (expr: string, why: string) => invalidParameter(`Invalid ScheduleExpression: ${expr}. ${why}`);

/** Values of one cron field: `*`, `n`, `a-b`, each optionally `/step`, comma-separated (names allowed where given). */
function parseValues(text: string, min: number, max: number, names: string[] = [], fail: (why: string) => Error): Set<number> {
  const value = (t: string): number => {
    const named = names.indexOf(t.toUpperCase());
    const n = named >= 0 ? named + 1 : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max)) throw fail(`${t} is not a value between ${min} and ${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === '') throw fail(`bad field ${text}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(Number.isInteger(step) && step >= 1)) throw fail(`bad increment in ${item}`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [from, to] = [value(a!), value(b!)];
      if (from > to) throw fail(`bad range ${range}`);
    } else {
      from = value(range!);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

function parseCron(expr: string, body: string): Cron {
  const fail = (why: string) => badExpression(expr, why);
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw fail('A cron expression has 6 fields: Minutes Hours Day-of-month Month Day-of-week Year.');
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (minutes !== '0') throw fail('The minutes field must be 0: rotation windows open on the hour.');
  if (year !== '*') throw fail('The year field must be *.');
  if ((dom === '?') === (dow === '?')) throw fail('Use ? in exactly one of Day-of-month and Day-of-week.');
  const cron: Cron = {
    hours: [...parseValues(hours, 0, 23, [], fail)].sort((a, b) => a - b),
    months: parseValues(month, 1, 12, MONTHS, fail),
  };
  if (cron.hours.some((h, i) => i > 0 && h - cron.hours[i - 1]! < MIN_HOURS_APART)) throw fail('A secret can be rotated at most every four hours.');
  if (dom !== '?') {
    const items = dom.split(',');
    const plain = items.filter((i) => i !== 'L');
    cron.dom = { days: plain.length ? parseValues(plain.join(','), 1, 31, [], fail) : new Set(), last: items.includes('L') };
  }
  if (dow !== '?') {
    const d: NonNullable<Cron['dow']> = { days: new Set(), lastOf: [], nth: [] };
    const weekday = (t: string) => [...parseValues(t, 1, 7, WEEKDAYS, fail)][0]!;
    for (const item of dow.split(',')) {
      const nth = /^(\w+)#([1-5])$/.exec(item);
      const lastOf = /^(\w+)L$/.exec(item);
      if (item === 'L') d.days.add(7);
      else if (nth) d.nth.push([weekday(nth[1]!), Number(nth[2])]);
      else if (lastOf) d.lastOf.push(weekday(lastOf[1]!));
      else for (const n of parseValues(item, 1, 7, WEEKDAYS, fail)) d.days.add(n);
    }
    cron.dow = d;
  }
  return cron;
}

function parseSchedule(rules: RotationRules): Schedule | undefined {
  const expr = rules.ScheduleExpression;
  if (expr !== undefined) {
    lengthIn(expr, 'rotationRules.scheduleExpression', 1, 256);
    const rate = RATE.exec(expr);
    if (rate) {
      const n = Number(rate[1]);
      const hours = rate[2]!.startsWith('hour');
      if (n < 1 || (hours && n < 4) || (!hours && n > 1000)) {
        throw invalidParameter(`Invalid ScheduleExpression: ${expr}. The rotation interval must be between 4 hours and 1000 days.`);
      }
      return hours ? { kind: 'hours', hours: n } : { kind: 'days', days: n };
    }
    const cron = CRON.exec(expr);
    if (cron) return { kind: 'cron', cron: parseCron(expr, cron[1]!) };
    throw invalidParameter(`Invalid ScheduleExpression: ${expr}`);
  }
  if (rules.AutomaticallyAfterDays !== undefined) return { kind: 'days', days: rules.AutomaticallyAfterDays };
  return undefined;
}

/** Refuses rules Secrets Manager refuses (RotateSecret's RotationRules). */
export function checkRules(rules: RotationRules | undefined): void {
  if (!rules) return;
  inRange(rules.AutomaticallyAfterDays, 'rotationRules.automaticallyAfterDays', 1, 1000);
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw invalidParameter('You cannot specify both rotation frequency and schedule expression together.');
  }
  const schedule = parseSchedule(rules);
  if (rules.Duration !== undefined) {
    const match = DURATION.exec(rules.Duration);
    const hours = match ? Number(match[1]) : NaN;
    if (!(hours >= 1 && hours <= 24)) throw invalidParameter(`Invalid Duration: ${rules.Duration}`);
    if (schedule) checkWindowFits(schedule, hours);
  }
}

/** A window must close before the next one opens and within its UTC day (rate in days and AutomaticallyAfterDays open at midnight). */
function checkWindowFits(s: Schedule, hours: number): void {
  if (s.kind === 'hours' && hours > s.hours) throw invalidParameter('Duration cannot be greater than Rate in hour.');
  if (s.kind !== 'cron') return;
  const starts = s.cron.hours;
  if (starts[starts.length - 1]! + hours > 24) throw invalidParameter('Starting hour and duration must be within a day.');
  if (starts.some((h, i) => i > 0 && h - starts[i - 1]! < hours)) throw invalidParameter('The rotation window must not extend into the next rotation window.');
}

function lastDayOfMonth(t: number): number {
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

function cronMatchesDay(c: Cron, dayStart: number): boolean {
  const d = new Date(dayStart);
  if (!c.months.has(d.getUTCMonth() + 1)) return false;
  const date = d.getUTCDate();
  const last = lastDayOfMonth(dayStart);
  if (c.dom) return c.dom.days.has(date) || (c.dom.last && date === last);
  const weekday = d.getUTCDay() + 1;
  const w = c.dow!;
  return w.days.has(weekday) || w.lastOf.some((n) => n === weekday && date + 7 > last) || w.nth.some(([n, k]) => n === weekday && Math.ceil(date / 7) === k);
}

/** The first time after `after` that the cron expression names (undefined if none within two years). */
function nextCron(c: Cron, after: number): number | undefined {
  for (let i = 0, d = previousMidnight(after); i <= CRON_HORIZON_DAYS; i++, d = addDays(d, 1)) {
    if (!cronMatchesDay(c, d)) continue;
    for (const h of c.hours) if (d + h * HOUR_MS > after) return d + h * HOUR_MS;
  }
  return undefined;
}

/** When the next rotation window opens after a rotation (or a manual value change) at `base`. */
function nextOpening(s: Schedule, base: number): number | undefined {
  switch (s.kind) {
    case 'days':
      return addDays(previousMidnight(base), s.days);
    case 'hours': {
      const at = base + s.hours * HOUR_MS;
      // Slots every N hours from midnight; an interval of a day or more has a slot every hour.
      const slot = (s.hours < 24 ? s.hours : 1) * HOUR_MS;
      const midnight = previousMidnight(at);
      return midnight + Math.floor((at - midnight) / slot) * slot;
    }
    case 'cron':
      return nextCron(s.cron, base);
  }
}

/** The next rotation window for these rules, after a rotation at `base` (rules already checked). */
export function nextWindow(rules: RotationRules, base: number): RotationWindow | undefined {
  const schedule = parseSchedule(rules);
  if (!schedule) return undefined;
  const opens = nextOpening(schedule, base);
  if (opens === undefined) return undefined;
  const inHours = schedule.kind === 'hours' || (schedule.kind === 'cron' && schedule.cron.hours.length > 1);
  const endOfDay = addDays(previousMidnight(opens), 1);
  const duration = DURATION.exec(rules.Duration ?? '');
  const closes = duration ? opens + Number(duration[1]) * HOUR_MS : inHours ? opens + HOUR_MS : endOfDay;
  return { opens, closes: Math.min(closes, endOfDay) };
}
