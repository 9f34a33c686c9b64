import { CloudWatchLogsClient, GetLogRecordCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { query, rows, T0, writeEvents } from './insights-helpers';

/*
 * Logs Insights over events written with PutLogEvents: what a test asserts about a function's logs ("the error
 * handler logged the failed key") through StartQuery and GetQueryResults.
 */
const emulator = useEmulator({ log: () => {} });
const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const GROUP = '/aws/lambda/error-handler';

beforeAll(async () => {
  await writeEvents(logs(), GROUP, '2026/12/07/[$LATEST]a', [
    { timestamp: T0 + 1_000, message: JSON.stringify({ level: 'INFO', msg: 'received', key: 'in/1.csv', size: 10 }) },
    { timestamp: T0 + 2_000, message: JSON.stringify({ level: 'ERROR', msg: 'failed', key: 'in/2.csv', size: 250, err: { code: 'NoSuchKey' }, tags: ['x', 'y'] }) },
    { timestamp: T0 + 3_123, message: 'plain line: user=alice action=delete latency=12ms' },
  ]);
  await writeEvents(logs(), GROUP, '2026/12/07/[$LATEST]b', [
    { timestamp: T0 + 4_000, message: JSON.stringify({ level: 'ERROR', msg: 'failed', key: 'in/3.csv', size: 90, err: { code: 'AccessDenied' } }) },
    { timestamp: T0 + 5_000, message: 'plain line: user=bob action=read latency=7ms' },
  ]);
});

it('finds the failed keys in JSON logs, newest first, with @ptr and the times as AWS prints them', async () => {
  const out = await query(logs(), { logGroupName: GROUP, queryString: 'fields @timestamp, key, err.code | filter level = "ERROR"' });
  expect(rows(out)).toEqual([
    { '@timestamp': '2026-12-07 17:00:04.000', key: 'in/3.csv', 'err.code': 'AccessDenied' },
    { '@timestamp': '2026-12-07 17:00:02.000', key: 'in/2.csv', 'err.code': 'NoSuchKey' },
  ]);
  expect(out.results![0]!.at(-1)).toEqual({ field: '@ptr', value: expect.any(String) });
  expect(out.statistics).toMatchObject({ recordsMatched: 2, recordsScanned: 5 });
  expect(out.statistics!.bytesScanned).toBeGreaterThan(100);
  const record = await logs().send(new GetLogRecordCommand({ logRecordPointer: out.results![0]!.at(-1)!.value }));
  expect(record.logRecord).toMatchObject({ key: 'in/3.csv', '@logStream': '2026/12/07/[$LATEST]b', '@log': `000000000000:${GROUP}` });
});

it('shows every field of an event without fields, including flattened arrays and the system fields', async () => {
  const [row] = rows(await query(logs(), { logGroupName: GROUP, queryString: 'filter key = "in/2.csv"' }));
  expect(row).toMatchObject({
    '@timestamp': '2026-12-07 17:00:02.000',
    '@logStream': '2026/12/07/[$LATEST]a',
    '@log': `000000000000:${GROUP}`,
    size: '250',
    'tags.0': 'x',
    'tags.1': 'y',
    'err.code': 'NoSuchKey',
  });
  expect(row!['@message']).toContain('"in/2.csv"');
});

it('parses with a glob and a regex, sorts, limits, dedups and displays', async () => {
  const glob = await query(logs(), {
    logGroupName: GROUP,
    queryString: 'parse @message "user=* action=* latency=*ms" as user, action, latency | filter ispresent(user) | sort latency asc | display user, action, latency',
  });
  expect(rows(glob)).toEqual([
    { user: 'bob', action: 'read', latency: '7' },
    { user: 'alice', action: 'delete', latency: '12' },
  ]);
  const regex = await query(logs(), {
    logGroupName: GROUP,
    queryString: String.raw`parse @message /user=(?<who>\w+)/ | filter who like /(?i)ALI/ | fields who, toupper(who) as loud, strlen(who) as n`,
  });
  expect(rows(regex)).toEqual([{ who: 'alice', loud: 'ALICE', n: '5' }]);
  const deduped = await query(logs(), { logGroupName: GROUP, queryString: '# newest failure per message\nfilter ispresent(msg) | dedup msg | fields msg, key | limit 5' });
  expect(rows(deduped)).toEqual([
    { msg: 'failed', key: 'in/3.csv' },
    { msg: 'received', key: 'in/1.csv' },
  ]);
  const limited = await query(logs(), { logGroupName: GROUP, queryString: 'fields @message | sort @timestamp asc', limit: 2 });
  expect(rows(limited).map((r) => JSON.parse(r['@message']!).key)).toEqual(['in/1.csv', 'in/2.csv']);
});

it('evaluates comparisons, in, not like, arithmetic and string functions', async () => {
  const out = await query(logs(), {
    logGroupName: GROUP,
    queryString:
      'filter size >= 90 and key in ["in/2.csv", "in/3.csv"] and msg not like "recv" | fields key, size * 2 + 1 as doubled, concat(level, "-", err.code) as tag, substr(key, 3) as file, replace(key, ".csv", ".json") as json | sort size desc',
  });
  expect(rows(out)).toEqual([
    { key: 'in/2.csv', doubled: '501', tag: 'ERROR-NoSuchKey', file: '2.csv', json: 'in/2.json' },
    { key: 'in/3.csv', doubled: '181', tag: 'ERROR-AccessDenied', file: '3.csv', json: 'in/3.json' },
  ]);
});

it('queries only the time range, both ends inclusive', async () => {
  const out = await query(logs(), { logGroupName: GROUP, queryString: 'fields @timestamp', startTime: Math.floor((T0 + 2_000) / 1000), endTime: Math.floor((T0 + 3_000) / 1000) });
  expect(rows(out).map((r) => r['@timestamp'])).toEqual(['2026-12-07 17:00:03.123', '2026-12-07 17:00:02.000']);
});

it('does not return events past the group retention', async () => {
  const group = '/aws/lambda/short-lived';
  const now = emulator().clock.now();
  await writeEvents(logs(), group, 's', [
    { timestamp: now - 3 * 86_400_000, message: 'old' },
    { timestamp: now - 60_000, message: 'recent' },
  ]);
  await logs().send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 1 }));
  const out = await query(logs(), { logGroupName: group, queryString: 'fields @message', startTime: Math.floor((now - 7 * 86_400_000) / 1000), endTime: Math.floor(now / 1000) });
  expect(rows(out)).toEqual([{ '@message': 'recent' }]);
});
