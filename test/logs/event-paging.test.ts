import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * GetLogEvents paged by an index into whatever list the call built: the forward token of a tail read, used to
 * follow the stream, went back to the stream's start (events 5–9 instead of the new ones); the backward token
 * always pointed at the start; and pages held 50 events, not up to 10,000. FilterLogEvents' token was an index
 * into the matches, so an event arriving between two pages shifted the next one. Both now page by position.
 */
const emulator = useEmulator();
let logs: CloudWatchLogsClient;
let group: string;
let counter = 0;
const base = Date.now() - 60_000;

beforeAll(() => {
  logs = new CloudWatchLogsClient(clientConfig(emulator()));
});
beforeEach(async () => {
  group = `/paging/${++counter}`;
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
});

async function put(stream: string, messages: string[], at: (i: number) => number) {
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch((e: Error) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message, i) => ({ message, timestamp: at(i) })) }));
}
const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const get = (input: { limit?: number; startFromHead?: boolean; nextToken?: string; startTime?: number; endTime?: number }) =>
  logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's', ...input }));
const messages = (out: { events?: { message?: string }[] }): string[] => (out.events ?? []).map((e) => e.message ?? '');

describe('GetLogEvents', () => {
  it('reads the latest events by default and the earliest from the head', async () => {
    await put('s', names(20, 'm'), (i) => base + i);
    expect(messages(await get({ limit: 5 }))).toEqual(['m15', 'm16', 'm17', 'm18', 'm19']);
    expect(messages(await get({ limit: 5, startFromHead: true }))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('follows the stream with the forward token: new events only, then the same token back', async () => {
    await put('s', names(20, 'm'), (i) => base + i);
    const tail = await get({ limit: 5 });
    await put('s', names(3, 'n'), (i) => base + 100 + i);
    const next = await get({ limit: 5, startFromHead: true, nextToken: tail.nextForwardToken });
    expect(messages(next)).toEqual(['n0', 'n1', 'n2']);
    const idle = await get({ limit: 5, startFromHead: true, nextToken: next.nextForwardToken });
    expect(idle.events).toEqual([]);
    expect(idle.nextForwardToken).toBe(next.nextForwardToken);
  });

  it('pages backwards from a tail read to the start, then hands the backward token back', async () => {
    await put('s', names(12, 'm'), (i) => base + i);
    const seen: string[][] = [];
    let out = await get({ limit: 5 });
    seen.push(messages(out));
    for (let pages = 0; pages < 10; pages++) {
      const back = await get({ limit: 5, nextToken: out.nextBackwardToken });
      if (!back.events?.length) {
        expect(back.nextBackwardToken).toBe(out.nextBackwardToken);
        break;
      }
      seen.push(messages(back));
      out = back;
    }
    expect(seen).toEqual([['m7', 'm8', 'm9', 'm10', 'm11'], ['m2', 'm3', 'm4', 'm5', 'm6'], ['m0', 'm1']]);
  });

  // The paginator stops only when told to stop on the same token, which AWS hands back at the end.
  it('returns up to 10,000 events a page, and the SDK paginator (stopOnSameToken) reads a stream once', async () => {
    await put('s', names(10_500, 'e'), (i) => base + i);
    expect((await get({ startFromHead: true })).events).toHaveLength(10_000);
    const read: string[] = [];
    for await (const page of paginateGetLogEvents({ client: logs, stopOnSameToken: true }, { logGroupName: group, logStreamName: 's', startFromHead: true })) {
      read.push(...messages(page));
    }
    expect(read).toEqual(names(10_500, 'e'));
  });

  it('stops a page at 1 MB of events', async () => {
    const big = 'x'.repeat(100_000);
    await put('s', names(15, big), (i) => base + i);
    const first = await get({ startFromHead: true });
    expect(first.events).toHaveLength(10); // 10 × (100,001 + 26) bytes fit in 1 MiB, 11 do not
    const rest = await get({ startFromHead: true, nextToken: first.nextForwardToken });
    expect(rest.events).toHaveLength(5);
  });

  it('reads events in timestamp order when an older one arrives later, in DescribeLogStreams too', async () => {
    await put('s', ['b', 'c'], (i) => base + 10 + i);
    await put('s', ['a'], () => base);
    expect(messages(await get({ startFromHead: true }))).toEqual(['a', 'b', 'c']);
    expect(messages(await get({ limit: 1 }))).toEqual(['c']);
    const [stream] = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams ?? [];
    expect([stream?.firstEventTimestamp, stream?.lastEventTimestamp]).toEqual([base, base + 11]);
  });

  it('keeps to the time range while paging', async () => {
    await put('s', names(10, 'm'), (i) => base + i * 1000);
    const out = await get({ startFromHead: true, startTime: base + 3000, endTime: base + 7000, limit: 2 });
    expect(messages(out)).toEqual(['m3', 'm4']);
    const next = await get({ startFromHead: true, startTime: base + 3000, endTime: base + 7000, limit: 10, nextToken: out.nextForwardToken });
    expect(messages(next)).toEqual(['m5', 'm6']);
  });

  it('refuses a token it did not hand out, as AWS does', async () => {
    await put('s', ['a'], () => base);
    await expect(get({ nextToken: 'f/not-a-position' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The specified nextToken is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('FilterLogEvents', () => {
  it('takes events from startTime to endTime, both included (GetLogEvents leaves endTime out)', async () => {
    await put('s', names(5, 'm'), (i) => base + i * 1000);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: group, startTime: base + 1000, endTime: base + 3000 }));
    expect(messages(filtered)).toEqual(['m1', 'm2', 'm3']);
    expect(messages(await get({ startFromHead: true, startTime: base + 1000, endTime: base + 3000 }))).toEqual(['m1', 'm2']);
  });

  it('refuses logStreamNames together with logStreamNamePrefix', async () => {
    await put('s', ['a'], () => base);
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['s'], logStreamNamePrefix: 's' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
  });

  it('pages across streams in time order without repeating or skipping when events arrive between pages', async () => {
    await put('a', names(6, 'a'), (i) => base + i * 10);
    await put('b', names(6, 'b'), (i) => base + 5 + i * 10);
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 5 }));
    expect(messages(first)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2']);
    // Arrives before the page boundary: an index-based token would now return b2 again.
    await put('b', ['early'], () => base);
    const read = [...messages(first)];
    let token = first.nextToken;
    while (token) {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 5, nextToken: token }));
      read.push(...messages(out));
      token = out.nextToken;
    }
    expect(read).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4', 'a5', 'b5']);
  });

  it('reads all matches with the SDK paginator, 10,000 a page', async () => {
    await put('s', names(12_000, 'e'), (i) => base + i);
    const pages: number[] = [];
    const read: string[] = [];
    for await (const page of paginateFilterLogEvents({ client: logs }, { logGroupName: group, filterPattern: '"e1"' })) {
      pages.push(page.events?.length ?? 0);
      read.push(...messages(page));
    }
    const expected = names(12_000, 'e').filter((m) => m.includes('e1'));
    expect(read).toEqual(expected);
    expect(pages[0]).toBe(Math.min(10_000, expected.length));
  });
});

/* GetLogEvents, FilterLogEvents and DescribeLogStreams took the group by logGroupName only; AWS also takes
 * logGroupIdentifier, the group's name or ARN (with or without `:*`), but not both. */
describe('logGroupIdentifier', () => {
  it('names the group by name or ARN in the three reads; with logGroupName as well it is refused', async () => {
    await put('s', ['one'], () => base);
    const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;
    for (const logGroupIdentifier of [group, arn, `${arn}:*`]) {
      const got = await logs.send(new GetLogEventsCommand({ logGroupIdentifier, logStreamName: 's' }));
      expect(messages(got)).toEqual(['one']);
      expect(messages(await logs.send(new FilterLogEventsCommand({ logGroupIdentifier })))).toEqual(['one']);
      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier }));
      expect(streams.logStreams?.map((x) => x.logStreamName)).toEqual(['s']);
    }
    await expect(logs.send(new FilterLogEventsCommand({ logGroupIdentifier: group, logGroupName: group }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(logs.send(new GetLogEventsCommand({ logGroupIdentifier: `${group}-missing`, logStreamName: 's' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
