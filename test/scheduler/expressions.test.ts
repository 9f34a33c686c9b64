import { nextCronTime, parseCron } from '../../emulator/core/schedule/cron';
import { nextOccurrence, parseExpression } from '../../emulator/scheduler/expression';
import { fromWallTime, wallTime } from '../../emulator/core/schedule/zoned-time';

/** The next `count` times a cron names after `from`, as ISO strings in UTC. */
function runs(body: string, from: string, count: number, zone = 'UTC'): string[] {
  const cron = parseCron(body);
  if (!cron) throw new Error(`refused: ${body}`);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < count; i++) {
    const next = nextCronTime(cron, t, zone);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    t = next;
  }
  return out;
}

describe('EventBridge cron', () => {
  it('steps minutes and hours, names months and weekdays', () => {
    expect(runs('0/20 8-9 * * ? *', '2026-05-01T08:10:00Z', 4)).toEqual(['2026-05-01T08:20:00.000Z', '2026-05-01T08:40:00.000Z', '2026-05-01T09:00:00.000Z', '2026-05-01T09:20:00.000Z']);
    expect(runs('0 12 ? JAN,JUL MON-FRI *', '2026-06-30T00:00:00Z', 2)).toEqual(['2026-07-01T12:00:00.000Z', '2026-07-02T12:00:00.000Z']);
  });

  it('reads L, W, LW, 5L and # as EventBridge does', () => {
    expect(runs('0 0 L * ? *', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    // 2026-08-15 is a Saturday: the nearest weekday is Friday the 14th; 2026-03-01 is a Sunday: 1W is Monday the 2nd.
    expect(runs('0 0 15W * ? *', '2026-08-01T00:00:00Z', 1)).toEqual(['2026-08-14T00:00:00.000Z']);
    expect(runs('0 0 1W * ? *', '2026-02-15T00:00:00Z', 1)).toEqual(['2026-03-02T00:00:00.000Z']);
    // 2026-05-31 is a Sunday: the last weekday of May is Friday the 29th.
    expect(runs('0 0 LW * ? *', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00.000Z']);
    expect(runs('0 0 ? * 5L *', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-28T00:00:00.000Z']);
    expect(runs('0 0 ? * 2#1 *', '2026-05-01T00:00:00Z', 2)).toEqual(['2026-05-04T00:00:00.000Z', '2026-06-01T00:00:00.000Z']);
  });

  it('stops at the last year the expression names', () => {
    expect(runs('0 0 1 1 ? 2027-2028', '2026-05-01T00:00:00Z', 5)).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });

  it.each(['0 0 * * * *', '0 0 ? * ? *', '60 0 * * ? *', '0 0 32 * ? *', '0 0 ? * 8 *', '0 0 * 13 ? *', '0 0 * * ? 1969', '0 0 * * ?', '0/0 0 * * ? *'])(
    'refuses cron(%s)',
    (body) => {
      expect(parseCron(body)).toBeUndefined();
    },
  );

  it('runs at the local time across daylight saving changes', () => {
    // New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    expect(runs('30 9 * * ? *', '2026-03-07T00:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-07T14:30:00.000Z', '2026-03-08T13:30:00.000Z']);
    expect(runs('30 9 * * ? *', '2026-10-31T00:00:00Z', 2, 'America/New_York')).toEqual(['2026-10-31T13:30:00.000Z', '2026-11-01T14:30:00.000Z']);
    // 02:30 does not exist on the spring-forward night: it runs an hour later by the wall clock, once.
    expect(runs('30 2 * * ? *', '2026-03-07T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    // 01:30 happens twice on the fall-back night: it runs at the first.
    expect(runs('30 1 * * ? *', '2026-10-31T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });
});

describe('zoned time', () => {
  it('converts between wall time and instants', () => {
    const wall = Date.UTC(2026, 6, 1, 9, 0, 0);
    expect(new Date(fromWallTime(wall, 'Asia/Kolkata')).toISOString()).toBe('2026-07-01T03:30:00.000Z');
    expect(wallTime(fromWallTime(wall, 'Asia/Kolkata'), 'Asia/Kolkata')).toBe(wall);
  });
});

describe('schedule expressions', () => {
  it('reads at() in the schedule time zone', () => {
    const e = parseExpression('at(2026-07-01T09:00:00)');
    expect(new Date(nextOccurrence(e, 'Europe/Paris', 0, { anchor: 0 })!).toISOString()).toBe('2026-07-01T07:00:00.000Z');
  });

  it('counts a rate from its anchor, or from StartDate inclusive, and ends at EndDate', () => {
    const e = parseExpression('rate(10 minutes)');
    const t0 = Date.UTC(2026, 0, 1);
    expect(nextOccurrence(e, 'UTC', t0, { anchor: t0 })).toBe(t0 + 600_000);
    expect(nextOccurrence(e, 'UTC', t0 + 601_000, { anchor: t0 })).toBe(t0 + 1_200_000);
    expect(nextOccurrence(e, 'UTC', t0, { anchor: t0, start: t0 + 60_000 })).toBe(t0 + 60_000);
    expect(nextOccurrence(e, 'UTC', t0 + 600_000, { anchor: t0, end: t0 + 1_000_000 })).toBeUndefined();
    expect(parseExpression('rate(1 day)')).toEqual({ kind: 'rate', everyMs: 86_400_000 });
  });
});
