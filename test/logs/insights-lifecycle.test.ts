import {
  CloudWatchLogsClient,
  DescribeQueriesCommand,
  GetLogGroupFieldsCommand,
  GetQueryResultsCommand,
  ListLogGroupsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { seconds, T0, writeEvents } from './insights-helpers';

/*
 * A query's life on a virtual clock: Running from StartQuery until the clock turns, then Complete; StopQuery
 * cancels a running one. DescribeQueries lists them; GetLogGroupFields and ListLogGroups describe the groups.
 */
const clock = new VirtualClock(T0 + 10 * 60_000);
const emulator = useEmulator({ log: () => {}, clock });
const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const range = { startTime: seconds(T0) - 3600, endTime: seconds(T0) + 3600 };

beforeAll(async () => {
  await writeEvents(logs(), '/life/one', 's', [
    { timestamp: T0 + 5 * 60_000, message: '{"level":"INFO","user":{"id":7}}' },
    { timestamp: T0 + 6 * 60_000, message: 'plain text' },
  ]);
  await writeEvents(logs(), '/life/two', 's', [{ timestamp: T0 - 30 * 60_000, message: 'x' }]);
});

it('runs on the next clock turn, cancels with StopQuery, and lists queries by group and status with paging', async () => {
  const { queryId: done } = await logs().send(new StartQueryCommand({ logGroupName: '/life/one', queryString: 'fields @message', ...range }));
  const running = await logs().send(new GetQueryResultsCommand({ queryId: done }));
  expect(running).toMatchObject({ status: 'Running', results: [] });
  clock.advance(0);
  const complete = await logs().send(new GetQueryResultsCommand({ queryId: done }));
  expect(complete.status).toBe('Complete');
  expect(complete.results).toHaveLength(2);
  const firstPage = await logs().send(new GetQueryResultsCommand({ queryId: done, maxItems: 1 }));
  expect(firstPage.results).toHaveLength(1);
  const secondPage = await logs().send(new GetQueryResultsCommand({ queryId: done, maxItems: 1, nextToken: firstPage.nextToken }));
  expect(secondPage.results![0]!.find((f) => f.field === '@message')!.value).toBe('{"level":"INFO","user":{"id":7}}');

  const { queryId: stopped } = await logs().send(new StartQueryCommand({ logGroupNames: ['/life/two'], queryString: 'fields @message', ...range }));
  expect((await logs().send(new StopQueryCommand({ queryId: stopped }))).success).toBe(true);
  clock.advance(0);
  expect(await logs().send(new GetQueryResultsCommand({ queryId: stopped }))).toMatchObject({ status: 'Cancelled', results: [] });
  await expect(logs().send(new StopQueryCommand({ queryId: done }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  await expect(logs().send(new StopQueryCommand({ queryId: '00000000-0000-0000-0000-000000000000' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(logs().send(new GetQueryResultsCommand({ queryId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

  const all = await logs().send(new DescribeQueriesCommand({}));
  expect(all.queries?.map((q) => [q.queryId, q.status, q.logGroupName])).toEqual([
    [stopped, 'Cancelled', '/life/two'],
    [done, 'Complete', '/life/one'],
  ]);
  expect(all.queries![1]).toMatchObject({ queryString: 'fields @message', createTime: T0 + 10 * 60_000, queryLanguage: 'CWLI' });
  expect((await logs().send(new DescribeQueriesCommand({ status: 'Complete' }))).queries?.map((q) => q.queryId)).toEqual([done]);
  expect((await logs().send(new DescribeQueriesCommand({ logGroupName: '/life/two' }))).queries?.map((q) => q.queryId)).toEqual([stopped]);
  const paged = await logs().send(new DescribeQueriesCommand({ maxResults: 1 }));
  expect(paged.queries?.map((q) => q.queryId)).toEqual([stopped]);
  expect((await logs().send(new DescribeQueriesCommand({ maxResults: 1, nextToken: paged.nextToken }))).queries?.map((q) => q.queryId)).toEqual([done]);
});

it.each([
  ['no log group', { queryString: 'fields @message', ...range }, 'InvalidParameterException'],
  ['two ways of naming groups', { logGroupName: '/life/one', logGroupNames: ['/life/two'], queryString: 'fields x', ...range }, 'InvalidParameterException'],
  ['a missing group', { logGroupNames: ['/life/one', '/life/none'], queryString: 'fields x', ...range }, 'ResourceNotFoundException'],
  ['end before start', { logGroupName: '/life/one', queryString: 'fields x', startTime: range.endTime, endTime: range.startTime }, 'InvalidParameterException'],
  ['a limit over 10,000', { logGroupName: '/life/one', queryString: 'fields x', limit: 10_001, ...range }, 'InvalidParameterException'],
  ['a bad query', { logGroupName: '/life/one', queryString: 'fields x | stats', ...range }, 'MalformedQueryException'],
])('refuses %s', async (_what, input, name) => {
  await expect(logs().send(new StartQueryCommand(input as any))).rejects.toMatchObject({ name, $metadata: { httpStatusCode: 400 } });
});

it('names the missing group and account as AWS does', async () => {
  await expect(logs().send(new StartQueryCommand({ logGroupName: '/life/none', queryString: 'fields x', ...range }))).rejects.toThrow(
    "Log group '/life/none' does not exist for account ID '000000000000'",
  );
});

it('GetLogGroupFields gives the fields of the last 15 minutes with the share of events holding each', async () => {
  const { logGroupFields } = await logs().send(new GetLogGroupFieldsCommand({ logGroupName: '/life/one' }));
  expect(logGroupFields).toEqual(
    expect.arrayContaining([
      { name: '@timestamp', percent: 100 },
      { name: '@message', percent: 100 },
      { name: '@log', percent: 100 },
      { name: 'level', percent: 50 },
      { name: 'user.id', percent: 50 },
    ]),
  );
  const old = await logs().send(new GetLogGroupFieldsCommand({ logGroupIdentifier: '/life/two', time: seconds(T0 - 30 * 60_000) }));
  expect(old.logGroupFields).toContainEqual({ name: '@message', percent: 100 });
  expect((await logs().send(new GetLogGroupFieldsCommand({ logGroupName: '/life/two' }))).logGroupFields).toEqual([]);
});

it('ListLogGroups lists names and ARNs, filtered by a substring, with paging', async () => {
  const first = await logs().send(new ListLogGroupsCommand({ logGroupNamePattern: 'life', limit: 1 }));
  expect(first.logGroups).toEqual([{ logGroupName: '/life/one', logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/life/one', logGroupClass: 'STANDARD' }]);
  const second = await logs().send(new ListLogGroupsCommand({ logGroupNamePattern: 'life', limit: 1, nextToken: first.nextToken }));
  expect(second.logGroups?.map((g) => g.logGroupName)).toEqual(['/life/two']);
  expect(second.nextToken).toBeUndefined();
});
