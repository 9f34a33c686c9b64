import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { query, rows, T0, writeEvents } from './insights-helpers';

/* stats: aggregates by fields and by bin(), over two log groups queried together. */
const emulator = useEmulator({ log: () => {} });
const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const MIN = 60_000;

beforeAll(async () => {
  const line = (route: string, ms: number, status: number) => JSON.stringify({ route, ms, status });
  await writeEvents(logs(), '/stats/api', 'a', [
    { timestamp: T0 + 1 * MIN, message: line('/a', 10, 200) },
    { timestamp: T0 + 2 * MIN, message: line('/a', 30, 500) },
    { timestamp: T0 + 6 * MIN, message: line('/b', 5, 200) },
    { timestamp: T0 + 7 * MIN, message: line('/a', 20, 200) },
  ]);
  await writeEvents(logs(), '/stats/worker', 'w', [{ timestamp: T0 + 8 * MIN, message: line('/b', 100, 503) }]);
});

it('counts and averages by field', async () => {
  const out = await query(logs(), {
    logGroupNames: ['/stats/api', '/stats/worker'],
    queryString: 'stats count(*) as n, avg(ms) as avgMs, min(ms), max(ms), sum(ms) as total, count_distinct(status) as codes by route | sort route asc',
  });
  expect(rows(out)).toEqual([
    { route: '/a', n: '3', avgMs: '20', 'min(ms)': '10', 'max(ms)': '30', total: '60', codes: '2' },
    { route: '/b', n: '2', avgMs: '52.5', 'min(ms)': '5', 'max(ms)': '100', total: '105', codes: '2' },
  ]);
  expect(out.results![0]!.some((f) => f.field === '@ptr')).toBe(false);
  expect(out.statistics).toMatchObject({ recordsMatched: 5, recordsScanned: 5 });
});

it('groups by bin(5m), shown as the start of each bucket, newest bucket first', async () => {
  const out = await query(logs(), { logGroupNames: ['/stats/api', '/stats/worker'], queryString: 'filter status >= 500 or route = "/b" | stats count() by bin(5m)' });
  expect(rows(out)).toEqual([
    { 'bin(5m)': '2026-12-07 17:05:00.000', 'count()': '2' },
    { 'bin(5m)': '2026-12-07 17:00:00.000', 'count()': '1' },
  ]);
});

it('combines aggregates, refers to earlier columns, takes earliest/latest and percentiles, filters after stats', async () => {
  const out = await query(logs(), {
    logGroupIdentifiers: ['arn:aws:logs:us-east-1:000000000000:log-group:/stats/api'],
    queryString:
      'stats max(ms) as hi, min(ms) as lo, hi - lo as spread, sum(ms) / count(*) as mean, earliest(route) as first, latest(route) as last, pct(ms, 50) as p50, latest(@timestamp) as lastSeen by status | filter hi > 5 | sort status asc',
  });
  expect(rows(out)).toEqual([
    { status: '200', hi: '20', lo: '5', spread: '15', mean: expect.stringMatching(/^11\.66/), first: '/a', last: '/a', p50: '10', lastSeen: '2026-12-07 17:07:00.000' },
    { status: '500', hi: '30', lo: '30', spread: '0', mean: '30', first: '/a', last: '/a', p50: '30', lastSeen: '2026-12-07 17:02:00.000' },
  ]);
});

it('counts a field only where it is present, and returns no rows when nothing matches', async () => {
  const out = await query(logs(), { logGroupName: '/stats/api', queryString: 'fields ms > 15 as slow | stats count(*) as all, count(missing) as none, sum(slow) as slowOnes' });
  expect(rows(out)).toEqual([{ all: '4', none: '0', slowOnes: '2' }]);
  expect(rows(await query(logs(), { logGroupName: '/stats/api', queryString: 'filter route = "/zzz" | stats count(*)' }))).toEqual([]);
});
