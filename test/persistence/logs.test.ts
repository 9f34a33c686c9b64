import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';
import { makeZip } from '../lambda-runtime/helpers';

/**
 * `dataDir`: CloudWatch Logs groups (retention, tags, KMS key), streams, events, metric filters and subscription
 * filters come back after a stop and start; each PutLogEvents adds to the journal what it brought, not the stream.
 */

let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, log: () => {} }));
const restart = async () => {
  await emu!.stop();
  return start();
};
const emulator = () => emu!;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-logs-'));
  await start();
});
afterAll(async () => {
  await emu?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const KMS = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const GROUP = '/kept/group';

const journalSize = () => fs.statSync(path.join(dir, 'state', 'journal.jsonl')).size;

it('brings back groups, streams, events and filters', async () => {
  let c = logs();
  const lambda = new LambdaClient(clientConfig(emulator()));
  const zip = makeZip([{ name: 'index.js', content: 'exports.handler = async () => ({});' }]);
  const fn = await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'logs-sink', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: zip } }),
  );
  lambda.destroy();
  await c.send(new CreateLogGroupCommand({ logGroupName: GROUP, tags: { team: 'a' }, kmsKeyId: KMS }));
  await c.send(new CreateLogGroupCommand({ logGroupName: '/other' }));
  await c.send(new AssociateKmsKeyCommand({ logGroupName: '/other', kmsKeyId: KMS }));
  await c.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 7 }));
  await c.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'a' }));
  await c.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'gone' }));
  const now = Date.now();
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'a', logEvents: [{ timestamp: now, message: 'ERROR one' }, { timestamp: now + 1, message: 'ok two' }] }));
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'gone', logEvents: [{ timestamp: now, message: 'dropped' }] }));
  await c.send(new DeleteLogStreamCommand({ logGroupName: GROUP, logStreamName: 'gone' }));
  await c.send(new PutMetricFilterCommand({
    logGroupName: GROUP,
    filterName: 'errors',
    filterPattern: 'ERROR',
    metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }],
  }));
  await c.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'to-fn', filterPattern: '', destinationArn: fn.FunctionArn }));
  // A batch of events is appended to the journal: its cost does not grow with the events already stored.
  const many = Array.from({ length: 45 }, (_, i) => ({ timestamp: now + 10, message: `bulk ${i} ${'x'.repeat(100)}` }));
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'a', logEvents: many }));
  const before = journalSize();
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'a', logEvents: [{ timestamp: now + 20, message: 'ERROR three' }] }));
  expect(journalSize() - before).toBeLessThan(1000);
  c.destroy();

  await restart();
  c = logs();
  const groups = (await c.send(new DescribeLogGroupsCommand({}))).logGroups!;
  expect(groups.map((g) => g.logGroupName)).toEqual(['/kept/group', '/other']);
  expect(groups[0]).toMatchObject({ retentionInDays: 7, kmsKeyId: KMS, metricFilterCount: 1 });
  expect(groups[1]!.kmsKeyId).toBe(KMS);
  expect((await c.send(new ListTagsForResourceCommand({ resourceArn: groups[0]!.logGroupArn }))).tags).toEqual({ team: 'a' });
  const streams = (await c.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams!;
  expect(streams.map((s) => s.logStreamName)).toEqual(['a']);
  const events = (await c.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'a', startFromHead: true }))).events!;
  expect(events).toHaveLength(48);
  expect(events[0]).toMatchObject({ timestamp: now, message: 'ERROR one' });
  expect(events.at(-1)!.message).toBe('ERROR three');
  const errors = await c.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'ERROR' }));
  expect(errors.events!.map((e) => e.message)).toEqual(['ERROR one', 'ERROR three']);
  const metricFilters = (await c.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP }))).metricFilters!;
  expect(metricFilters).toMatchObject([{ filterName: 'errors', filterPattern: 'ERROR', metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }] }]);
  const subs = (await c.send(new DescribeSubscriptionFiltersCommand({ logGroupName: GROUP }))).subscriptionFilters!;
  expect(subs).toMatchObject([{ filterName: 'to-fn', destinationArn: fn.FunctionArn }]);

  // Events after the restart continue the arrival order (ids stay unique and increasing).
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'a', logEvents: [{ timestamp: now + 20, message: 'ERROR four' }] }));
  const after = await c.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'ERROR' }));
  expect(after.events!.map((e) => e.message)).toEqual(['ERROR one', 'ERROR three', 'ERROR four']);
  const ids = after.events!.map((e) => e.eventId!);
  expect(new Set(ids).size).toBe(3);
  expect([...ids].sort()).toEqual(ids);
  c.destroy();
});

it('a reset empties the logs kept on disk', async () => {
  let c = logs();
  await c.send(new CreateLogGroupCommand({ logGroupName: '/reset/me' }));
  c.destroy();
  await restart();
  c = logs();
  expect((await c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/reset' }))).logGroups).toHaveLength(1);
  c.destroy();
  await emulator().reset();
  await restart();
  c = logs();
  expect((await c.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  c.destroy();
});
