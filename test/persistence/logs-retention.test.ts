import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { VirtualClock } from '../../emulator/core/clock';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';

/**
 * `dataDir` and retention: events removed because they expired are journaled as a small record of what went (not a
 * rewrite of the stream), and a restart does not bring them back — even once the group keeps events forever again.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
const GROUP = '/retention/kept';
let clock: VirtualClock;
let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, clock, log: () => {} }));
const restart = async () => {
  await emu!.stop();
  return start();
};
const logs = () => new CloudWatchLogsClient(clientConfig(emu!));
const journalSize = () => fs.statSync(path.join(dir, 'state', 'journal.jsonl')).size;

beforeAll(async () => {
  clock = new VirtualClock(T0);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-logs-retention-'));
  await start();
});
afterAll(async () => {
  await emu?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('journals what expired at a cost of its own size, and a restart does not bring it back', async () => {
  let c = logs();
  await c.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await c.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's1' }));
  await c.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 1 }));
  const bulk = Array.from({ length: 40 }, (_, i) => ({ timestamp: T0, message: `bulk ${i} ${'x'.repeat(1000)}` }));
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 's1', logEvents: bulk }));
  // Happened 23.5 hours ago: expires half an hour from now, swept at the next whole hour.
  const old = [0, 1].map((i) => ({ timestamp: T0 - DAY + 30 * 60_000, message: `old ${i}` }));
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 's1', logEvents: old }));

  const idsBefore = new Set((await c.send(new FilterLogEventsCommand({ logGroupName: GROUP }))).events!.map((e) => e.eventId));
  expect(idsBefore.size).toBe(42);

  const before = journalSize();
  clock.advance(HOUR);
  // No request: the sweep timer removed them, and the background flush wrote that.
  await waitFor(() => journalSize() > before, { what: 'the expiry to reach the journal' });
  expect(journalSize() - before).toBeLessThan(300);

  // Without a policy a restore cannot re-derive the expiry: only what was saved knows the events are gone.
  await c.send(new DeleteRetentionPolicyCommand({ logGroupName: GROUP }));
  c.destroy();
  const onlyBulkLeft = async (client: CloudWatchLogsClient) => {
    const events = (await client.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 's1', startFromHead: true }))).events!;
    expect(events).toHaveLength(40);
    expect(events.some((e) => e.message!.startsWith('old'))).toBe(false);
    const group = (await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }))).logGroups![0]!;
    expect(group.retentionInDays).toBeUndefined();
    expect(group.storedBytes).toBe(bulk.reduce((n, e) => n + e.message.length, 0));
  };

  // The folder as a kill -9 leaves it (no snapshot written at stop): the journal alone has to say they are gone.
  const crashed = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-logs-retention-killed-'));
  fs.cpSync(dir, crashed, { recursive: true });
  fs.rmSync(path.join(crashed, 'state', 'lock'), { force: true });
  const other = await startEmulator({ port: 0, dataDir: crashed, clock, log: () => {} });
  const otherClient = new CloudWatchLogsClient(clientConfig(other));
  try {
    await onlyBulkLeft(otherClient);
  } finally {
    otherClient.destroy();
    await other.stop();
    fs.rmSync(crashed, { recursive: true, force: true });
  }

  // And after a clean stop and start.
  await restart();
  c = logs();
  await onlyBulkLeft(c);

  // Arrival numbers continue past the expired ones: a new event's id is not an expired event's.
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 's1', logEvents: [{ timestamp: clock.now(), message: 'after' }] }));
  const after = (await c.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'after' }))).events!;
  expect(after).toHaveLength(1);
  expect(idsBefore.has(after[0]!.eventId)).toBe(false);
  c.destroy();
});

it('does not return after a restart what ran out while the emulator was stopped', async () => {
  let c = logs();
  await c.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 1 }));
  await c.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 's1', logEvents: [{ timestamp: clock.now(), message: 'fresh' }] }));
  c.destroy();
  await emu!.stop();
  clock.advance(2 * DAY);
  await start();
  c = logs();
  expect((await c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }))).logGroups![0]!.storedBytes).toBe(0);
  expect((await c.send(new FilterLogEventsCommand({ logGroupName: GROUP }))).events).toEqual([]);
  c.destroy();
});
