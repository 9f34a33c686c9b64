import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { recordHops, uniqueName } from '../lambda/helpers';

/**
 * Log group retention on the injected clock: an event expires when the clock reaches its timestamp plus
 * retentionInDays days; reads never return it, storedBytes drops, and an hourly-aligned timer removes it unread.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 10:30 UTC, so the sweep timer (aligned to whole hours) and the exact expiry differ. */
const clock = new VirtualClock(Date.UTC(2026, 0, 1, 10, 30));
const emulator = useEmulator({ clock });
const logs = () => new CloudWatchLogsClient({ ...clientConfig(emulator()), maxAttempts: 1 });

async function groupWithStream(retentionInDays?: number, stream = 's1'): Promise<string> {
  const group = `/retention/${uniqueName('g')}`;
  await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  if (retentionInDays !== undefined) await logs().send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays }));
  return group;
}
const put = (group: string, events: { timestamp: number; message: string }[], stream = 's1') =>
  logs().send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
const messages = async (group: string, stream = 's1') =>
  (await logs().send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))).events!.map((e) => e.message);
const filtered = async (group: string) => (await logs().send(new FilterLogEventsCommand({ logGroupName: group }))).events!.map((e) => e.message);
const storedBytes = async (group: string) => (await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups![0]!.storedBytes;

describe('PutRetentionPolicy validation', () => {
  it('accepts each value AWS lists and refuses any other with InvalidParameterException', async () => {
    const group = await groupWithStream();
    for (const days of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]) {
      await logs().send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: days }));
      expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups![0]!.retentionInDays).toBe(days);
    }
    for (const days of [0, 2, 10, 366, 3650, -1]) {
      await expect(logs().send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: days }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining(`Value '${days}' at 'retentionInDays'`),
      });
    }
    // A refused value leaves the policy as it was.
    expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups![0]!.retentionInDays).toBe(3653);
  });
});

describe('CloudWatch Logs retention', () => {
  it('expires events by their timestamp, not their ingestion time: reads stop returning them and storedBytes drops', async () => {
    const group = await groupWithStream(1);
    const t0 = clock.now();
    // Both are ingested now; "old" happened 20 hours ago, so it expires 4 hours from now.
    await put(group, [
      { timestamp: t0 - 20 * HOUR, message: 'old' },
      { timestamp: t0, message: 'new!' },
    ]);
    expect(await messages(group)).toEqual(['old', 'new!']);
    expect(await storedBytes(group)).toBe(7);

    clock.advance(4 * HOUR - 1);
    expect(await filtered(group)).toEqual(['old', 'new!']);
    clock.advance(1);
    expect(await messages(group)).toEqual(['new!']);
    expect(await filtered(group)).toEqual(['new!']);
    expect(await storedBytes(group)).toBe(4);
    const [s] = (await logs().send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams!;
    expect(s!.firstEventTimestamp).toBe(t0);
  });

  it('removes expired events unread, on a timer at the first whole hour after they expire', async () => {
    const group = await groupWithStream(1);
    const t0 = clock.now();
    await put(group, [{ timestamp: t0 - DAY + 10 * 60_000, message: 'soon gone' }, { timestamp: t0, message: 'stays' }]);
    const hops = recordHops(emulator());
    try {
      const expiry = t0 + 10 * 60_000;
      const sweepAt = Math.ceil(expiry / HOUR) * HOUR;
      clock.advance(sweepAt - t0 - 1);
      expect(hops.of('logs.retention.expired')).toEqual([]);
      clock.advance(1);
      expect(hops.of('logs.retention.expired')).toEqual([expect.objectContaining({ logGroupName: group, logStreamName: 's1', events: 1, time: sweepAt })]);
    } finally {
      hops.stop();
    }
    expect(await messages(group)).toEqual(['stays']);
  });

  it('keeps a stream that retention emptied, and rejects events already expired when they are put', async () => {
    const group = await groupWithStream(3);
    const t0 = clock.now();
    const r = await put(group, [
      { timestamp: t0 - 4 * DAY, message: 'too old' },
      { timestamp: t0 - 3 * DAY, message: 'just expired' },
      { timestamp: t0 - 2 * DAY, message: 'kept' },
    ]);
    expect(r.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 2 });
    expect(await messages(group)).toEqual(['kept']);
    clock.advance(DAY);
    expect(await messages(group)).toEqual([]);
    const streams = (await logs().send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams!;
    expect(streams.map((s) => s.logStreamName)).toEqual(['s1']);
    expect(streams[0]!.firstEventTimestamp).toBeUndefined();
    expect(await storedBytes(group)).toBe(0);
  });

  it('applies a shorter retention at once; DeleteRetentionPolicy stops expiry', async () => {
    const group = await groupWithStream(30);
    const t0 = clock.now();
    await put(group, [
      { timestamp: t0 - 2 * DAY, message: 'two days old' },
      { timestamp: t0 - HOUR, message: 'an hour old' },
    ]);
    expect(await filtered(group)).toEqual(['two days old', 'an hour old']);
    await logs().send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 1 }));
    expect(await filtered(group)).toEqual(['an hour old']);

    await logs().send(new DeleteRetentionPolicyCommand({ logGroupName: group }));
    clock.advance(10 * DAY);
    expect(await filtered(group)).toEqual(['an hour old']);
  });

  it('leaves no timer behind once a group has no retention or is deleted', async () => {
    const before = clock.pendingCount;
    const kept = await groupWithStream(1);
    const gone = await groupWithStream(1);
    await put(kept, [{ timestamp: clock.now(), message: 'a' }]);
    await put(gone, [{ timestamp: clock.now(), message: 'b' }]);
    expect(clock.pendingCount).toBe(before + 2);
    await logs().send(new DeleteRetentionPolicyCommand({ logGroupName: kept }));
    await logs().send(new DeleteLogGroupCommand({ logGroupName: gone }));
    expect(clock.pendingCount).toBe(before);
  });
});
