import { EventBridgeClient, PutEventsCommand, PutRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * Matching recurses once per level of the pattern and of the event, and routed events are matched off the
 * request: a pattern or event nested deep enough to exhaust the stack ended the whole process. EventBridge
 * caps patterns at 4096 characters and processes events nested up to 1000 levels.
 */
const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient({ ...clientConfig(emulator()), maxAttempts: 1 });

const nestedObject = (levels: number, leaf: string) => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);
const nestedArray = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);
const testEvent = (detail: string) =>
  `{"id":"1","detail-type":"t","source":"s","account":"000000000000","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":${detail}}`;

describe('EventBridge nesting limits', () => {
  it('refuses an EventPattern over 4096 characters and matches a deep one within it', async () => {
    const tooLong = nestedObject(3000, '[1]');
    await expect(events().send(new PutRuleCommand({ Name: 'deep', EventPattern: tooLong }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 4096'),
    });
    const pattern = `{"detail":${nestedObject(678, '[1]')}}`;
    expect(pattern.length).toBeLessThanOrEqual(4096);
    await events().send(new PutRuleCommand({ Name: 'deep-within', EventPattern: pattern }));
    const { Result } = await events().send(new TestEventPatternCommand({ EventPattern: pattern, Event: testEvent(nestedObject(678, '1')) }));
    expect(Result).toBe(true);
    // Routing the next event matches it against the deep rule; the emulator answers on.
    const put = await events().send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Detail: nestedObject(678, '1') }] }));
    expect(put.FailedEntryCount).toBe(0);
  });

  it('refuses a PutEvents Detail nested more than 1000 levels, and routes on', async () => {
    await events().send(new PutRuleCommand({ Name: 'reads-a', EventPattern: '{"detail":{"a":[1]}}' }));
    const put = await events().send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 't', Detail: `{"a":${nestedArray(100_000)}}` },
          { Source: 's', DetailType: 't', Detail: `{"a":${nestedArray(999)}}` }, // 1000 levels: processed
          { Source: 's', DetailType: 't', Detail: `{"a":${nestedArray(1000)}}` },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(2);
    expect(put.Entries![0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(put.Entries![1]!.EventId).toBeDefined();
    expect(put.Entries![2]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    // The accepted event was routed, and the emulator still answers.
    const again = await events().send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Detail: '{"a":1}' }] }));
    expect(again.FailedEntryCount).toBe(0);
  });

  it('refuses a TestEventPattern Event nested more than 1000 levels with a 400, not a 500', async () => {
    // The same depth as PutEvents takes: a detail of 1000 levels is tested, not refused.
    const within = await events().send(new TestEventPatternCommand({ EventPattern: '{"detail":{"a":[1]}}', Event: testEvent(`{"a":${nestedArray(999)}}`) }));
    expect(within.Result).toBe(true); // arrays in an event match as one flat list
    const attempt = events().send(new TestEventPatternCommand({ EventPattern: '{"detail":{"a":[1]}}', Event: testEvent(`{"a":${nestedArray(100_000)}}`) }));
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });
});
