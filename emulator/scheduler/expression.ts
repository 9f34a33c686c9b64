import { AwsError } from '../core/errors';
import { nextCronTime, parseCron, type Cron } from '../core/schedule/cron';
import { fromWallTime } from '../core/schedule/zoned-time';

/**
 * ScheduleExpression: `at(yyyy-mm-ddThh:mm:ss)` (once, in the schedule's time zone), `rate(n minutes|hours|days)`
 * or `cron(…)` (see cron.ts).
 */
export type Expression = { kind: 'at'; wall: number } | { kind: 'rate'; everyMs: number } | { kind: 'cron'; cron: Cron };

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\((\d+)\s+(minute|hour|day)s?\)$/;
const CRON = /^cron\((.*)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const invalid = (expr: string) => new AwsError('ValidationException', `Invalid Schedule Expression ${expr}.`, 400);

export function parseExpression(expr: string): Expression {
  const at = AT.exec(expr);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const t = new Date(wall);
    // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused.
    if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw invalid(expr);
    return { kind: 'at', wall };
  }
  const rate = RATE.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) throw invalid(expr);
    return { kind: 'rate', everyMs: n * UNIT_MS[rate[2]!]! };
  }
  const cron = CRON.exec(expr);
  const parsed = cron ? parseCron(cron[1]!) : undefined;
  if (parsed) return { kind: 'cron', cron: parsed };
  throw invalid(expr);
}

/** When a recurring schedule may run: from StartDate (inclusive) to EndDate (inclusive); rates count from `anchor`. */
export interface Window {
  start?: number;
  end?: number;
  /** A rate's first run is one interval after this (the time it was created or last updated), or at StartDate. */
  anchor: number;
}

/** The first time after `after` the expression names within the window (an `at()` time is returned as is). */
export function nextOccurrence(e: Expression, zone: string, after: number, w: Window): number | undefined {
  let next: number | undefined;
  switch (e.kind) {
    case 'at':
      return fromWallTime(e.wall, zone);
    case 'rate': {
      const base = w.start ?? w.anchor;
      const first = w.start !== undefined ? 0 : 1;
      next = base + Math.max(first, Math.floor((after - base) / e.everyMs) + 1) * e.everyMs;
      break;
    }
    case 'cron':
      next = nextCronTime(e.cron, w.start !== undefined ? Math.max(after, w.start - 1) : after, zone);
      break;
  }
  return next === undefined || (w.end !== undefined && next > w.end) ? undefined : next;
}
