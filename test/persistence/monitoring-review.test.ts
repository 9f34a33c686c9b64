import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, DescribeAlarmHistoryCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { VirtualClock } from '../../emulator/core/clock';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';

/**
 * Review of `dataDir` for CloudWatch Logs and CloudWatch: what a crash during compaction leaves behind is read
 * back without counting anything twice, deleted log groups leave nothing on disk, and AssociateKmsKey /
 * DisassociateKmsKey take exactly one of logGroupName and resourceIdentifier, as AWS documents.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
let clock: VirtualClock;
let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, clock, log: () => {} }));
const stateFile = (name: string) => path.join(dir, 'state', name);

beforeEach(async () => {
  clock = new VirtualClock(T0);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-monitoring-review-'));
  await start();
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A kill -9 after compaction renamed the new snapshot into place but before it emptied the journal: the next
 * start reads the new snapshot and then the old journal over it. Every change in that journal is already in the
 * snapshot, so it must be read back once.
 */
async function stopLeavingTheOldJournal(): Promise<void> {
  const journal = fs.readFileSync(stateFile('journal.jsonl'));
  expect(journal.length).toBeGreaterThan(0);
  await emu!.stop(); // compacts: snapshot written, journal emptied
  fs.writeFileSync(stateFile('journal.jsonl'), journal);
  await start();
}

it('datapoints and alarm history are not counted twice when a compaction was cut short', async () => {
  let c = new CloudWatchClient(clientConfig(emu!));
  await c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Orders', Value: 5 }] }));
  await c.send(new PutMetricAlarmCommand({ AlarmName: 'orders', Namespace: 'App', MetricName: 'Orders', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 7, ComparisonOperator: 'GreaterThanThreshold' }));
  c.destroy();

  await stopLeavingTheOldJournal();
  c = new CloudWatchClient(clientConfig(emu!));
  const stats = await c.send(
    new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Orders', StartTime: new Date(T0 - 60_000), EndTime: new Date(T0 + 60_000), Period: 120, Statistics: ['SampleCount', 'Sum'] }),
  );
  expect(stats.Datapoints).toMatchObject([{ SampleCount: 1, Sum: 5 }]);
  const history = (await c.send(new DescribeAlarmHistoryCommand({ AlarmName: 'orders', ScanBy: 'TimestampAscending' }))).AlarmHistoryItems!;
  expect(history.map((h) => h.HistorySummary)).toEqual(['Alarm "orders" created', 'Alarm updated from INSUFFICIENT_DATA to OK']);

  // Still once after one more ordinary restart, and later appends still land after what was restored.
  await c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Orders', Value: 1 }] }));
  c.destroy();
  await emu!.stop();
  await start();
  c = new CloudWatchClient(clientConfig(emu!));
  const again = await c.send(
    new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Orders', StartTime: new Date(T0 - 60_000), EndTime: new Date(T0 + 60_000), Period: 120, Statistics: ['SampleCount', 'Sum'] }),
  );
  expect(again.Datapoints).toMatchObject([{ SampleCount: 2, Sum: 6 }]);
  c.destroy();
});

it('log events are not repeated when a compaction was cut short', async () => {
  let c = new CloudWatchLogsClient(clientConfig(emu!));
  await c.send(new CreateLogGroupCommand({ logGroupName: '/g' }));
  await c.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 's' }));
  for (const message of ['one', 'two']) await c.send(new PutLogEventsCommand({ logGroupName: '/g', logStreamName: 's', logEvents: [{ timestamp: T0, message }] }));
  c.destroy();

  await stopLeavingTheOldJournal();
  c = new CloudWatchLogsClient(clientConfig(emu!));
  const events = (await c.send(new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', startFromHead: true }))).events!;
  expect(events.map((e) => e.message)).toEqual(['one', 'two']);
  c.destroy();
});

it('a deleted log group leaves none of its events on disk', async () => {
  const c = new CloudWatchLogsClient(clientConfig(emu!));
  await c.send(new CreateLogGroupCommand({ logGroupName: '/doomed' }));
  await c.send(new CreateLogStreamCommand({ logGroupName: '/doomed', logStreamName: 's' }));
  await c.send(new PutLogEventsCommand({ logGroupName: '/doomed', logStreamName: 's', logEvents: [{ timestamp: T0, message: 'secret-marker' }] }));
  expect(fs.readFileSync(stateFile('journal.jsonl'), 'utf8')).toContain('secret-marker');
  await c.send(new DeleteLogGroupCommand({ logGroupName: '/doomed' }));
  c.destroy();
  await emu!.stop();
  await start();
  const onDisk = fs.readFileSync(stateFile('snapshot.jsonl'), 'utf8') + fs.readFileSync(stateFile('journal.jsonl'), 'utf8');
  expect(onDisk).not.toContain('secret-marker');
  expect(onDisk).not.toContain('/doomed');
});

/**
 * Every DeleteLogStream and DeleteLogGroup journals prefix deletions. After a kill -9 (no compaction at stop), a
 * restart reads them all: that must not cost a scan of every key per deletion (50,000 event batches and 4,000
 * prefix deletions took about half a minute).
 */
it('a restart after many deleted groups reads the journal in time proportional to it', async () => {
  const logs = emu!.providers.logs!;
  // In-process calls (the API's own methods, with the caller a request would name) only to make a large journal quickly.
  const caller = { region: emu!.region, accountId: '000000000000' };
  logs.CreateLogGroup({ logGroupName: '/live' }, caller);
  logs.CreateLogStream({ logGroupName: '/live', logStreamName: 's' }, caller);
  for (let i = 0; i < 50_000; i++) logs.PutLogEvents({ logGroupName: '/live', logStreamName: 's', logEvents: [{ timestamp: T0 + i, message: `m${i}` }] }, caller);
  for (let i = 0; i < 2_000; i++) {
    logs.CreateLogGroup({ logGroupName: `/tmp/${i}` }, caller);
    logs.DeleteLogGroup({ logGroupName: `/tmp/${i}` }, caller);
  }
  let c = new CloudWatchLogsClient(clientConfig(emu!));
  // Re-created after deletions of its prefix: it is there after the restart, its old events are not.
  await c.send(new CreateLogGroupCommand({ logGroupName: '/tmp/1' }));
  c.destroy(); // that request's answer came after everything above was written
  const journal = fs.readFileSync(stateFile('journal.jsonl'));
  await emu!.stop();
  // As after a kill -9: the journal as it was, no snapshot of the stop.
  fs.rmSync(stateFile('snapshot.jsonl'), { force: true });
  fs.writeFileSync(stateFile('journal.jsonl'), journal);

  const started = Date.now();
  await start();
  expect(Date.now() - started).toBeLessThan(5_000);
  c = new CloudWatchLogsClient(clientConfig(emu!));
  const last = await c.send(new GetLogEventsCommand({ logGroupName: '/live', logStreamName: 's', limit: 1 }));
  expect(last.events!.map((e) => e.message)).toEqual(['m49999']);
  const groups = (await c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/tmp/' }))).logGroups!;
  expect(groups.map((g) => g.logGroupName)).toEqual(['/tmp/1']);
  c.destroy();
}, 120_000);

describe('AssociateKmsKey and DisassociateKmsKey', () => {
  const KMS = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const ARN = 'arn:aws:logs:us-east-1:000000000000:log-group:/kms';
  let c: CloudWatchLogsClient;
  beforeEach(async () => {
    c = new CloudWatchLogsClient(clientConfig(emu!));
    await c.send(new CreateLogGroupCommand({ logGroupName: '/kms' }));
  });
  afterEach(() => c.destroy());
  const keyOf = async () => (await c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/kms' }))).logGroups![0]!.kmsKeyId;

  it('refuse both logGroupName and resourceIdentifier, and neither', async () => {
    await expect(c.send(new AssociateKmsKeyCommand({ logGroupName: '/kms', resourceIdentifier: ARN, kmsKeyId: KMS }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(c.send(new AssociateKmsKeyCommand({ kmsKeyId: KMS }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(await keyOf()).toBeUndefined();
    await c.send(new AssociateKmsKeyCommand({ resourceIdentifier: ARN, kmsKeyId: KMS }));
    await expect(c.send(new DisassociateKmsKeyCommand({ logGroupName: '/kms', resourceIdentifier: ARN }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(c.send(new DisassociateKmsKeyCommand({}))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(await keyOf()).toBe(KMS);
  });

  it("accept the account's query-result target, which changes no log group", async () => {
    const queryResults = 'arn:aws:logs:us-east-1:000000000000:query-result:*';
    await c.send(new AssociateKmsKeyCommand({ resourceIdentifier: queryResults, kmsKeyId: KMS }));
    expect(await keyOf()).toBeUndefined();
    await c.send(new DisassociateKmsKeyCommand({ resourceIdentifier: queryResults }));
  });
});
