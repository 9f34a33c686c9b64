import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * A Lambda invocation's log lines reach Logs in one batch (`logs.put` on the delivery bus), as many as the
 * function printed. Appending them with `push(...batch)` threw a RangeError beyond about 120,000 lines, and the
 * whole batch was lost.
 */
const emulator = useEmulator();

describe('Logs: a function log batch larger than a call can take arguments', () => {
  it('stores all 200,000 lines', async () => {
    const now = Date.now();
    const events = Array.from({ length: 200_000 }, (_, i) => ({ timestamp: now, message: `line ${i}` }));
    await emulator().bus.ask('logs.put', { logGroupName: '/aws/lambda/chatty', logStreamName: 'stream', events });

    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    const head = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/chatty', logStreamName: 'stream', startFromHead: true, limit: 1 }));
    expect(head.events?.map((e) => e.message)).toEqual(['line 0']);
    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/chatty', logStreamName: 'stream', limit: 1 }));
    expect(tail.events?.map((e) => e.message)).toEqual(['line 199999']);
  });
});
