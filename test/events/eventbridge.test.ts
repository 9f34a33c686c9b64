import {
  EventBridgeClient,
  CreateArchiveCommand,
  DescribeReplayCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
  DeleteRuleCommand,
  InvalidEventPatternException,
  ListArchivesCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient(clientConfig(emulator()));
const sqs = () => new SQSClient(clientConfig(emulator()));

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function receiveAll(url: string, count: number): Promise<{ Body?: string; MessageAttributes?: Record<string, { StringValue?: string }> }[]> {
  const got: any[] = [];
  await waitFor(
    async () => {
      const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
      got.push(...(r.Messages ?? []));
      // Delete what arrived: at this time scale an undeleted message is visible again within milliseconds.
      for (const m of r.Messages ?? []) await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      return got.length >= count;
    },
    { what: `${count} message(s) on ${url}`, describe: () => JSON.stringify(got) },
  );
  return got;
}

const entry = (detail: object, source = 'app.orders', detailType = 'Order Placed') => ({ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) });

describe('EventBridge rules and targets', () => {
  it('delivers matching events to an SQS target and not the others', async () => {
    const q = await queue('eb-orders');
    await events().send(new PutRuleCommand({ Name: 'big-orders', EventPattern: JSON.stringify({ source: ['app.orders'], detail: { amount: [{ numeric: ['>', 100] }] } }) }));
    await events().send(new PutTargetsCommand({ Rule: 'big-orders', Targets: [{ Id: 'q', Arn: q.arn }] }));
    const put = await events().send(new PutEventsCommand({ Entries: [entry({ amount: 50 }), entry({ amount: 500 })] }));
    expect(put.FailedEntryCount).toBe(0);
    const [msg] = await receiveAll(q.url, 1);
    const body = JSON.parse(msg!.Body!);
    expect(body).toMatchObject({ source: 'app.orders', 'detail-type': 'Order Placed', detail: { amount: 500 }, account: '000000000000', region: 'us-east-1' });
    expect(body.id).toBe(put.Entries![1]!.EventId);
  });

  it('applies InputPath and InputTransformer', async () => {
    const q = await queue('eb-transform');
    await events().send(new PutRuleCommand({ Name: 'shaped', EventPattern: JSON.stringify({ source: ['app.shapes'] }) }));
    await events().send(
      new PutTargetsCommand({
        Rule: 'shaped',
        Targets: [
          { Id: 'path', Arn: q.arn, InputPath: '$.detail' },
          { Id: 'xf', Arn: q.arn, InputTransformer: { InputPathsMap: { k: '$.detail.key' }, InputTemplate: '{"text":"object <k> arrived","key":<k>}' } },
        ],
      }),
    );
    await events().send(new PutEventsCommand({ Entries: [entry({ key: 'a.csv' }, 'app.shapes')] }));
    const bodies = (await receiveAll(q.url, 2)).map((m) => JSON.parse(m.Body!));
    expect(bodies).toEqual(expect.arrayContaining([{ key: 'a.csv' }, { text: 'object a.csv arrived', key: 'a.csv' }]));
  });

  it('sends to the target DLQ with AWS attributes when the target is gone', async () => {
    const dlq = await queue('eb-dlq');
    await events().send(new PutRuleCommand({ Name: 'doomed', EventPattern: JSON.stringify({ source: ['app.doomed'] }) }));
    await events().send(
      new PutTargetsCommand({
        Rule: 'doomed',
        Targets: [{ Id: 'gone', Arn: 'arn:aws:sqs:us-east-1:000000000000:does-not-exist', DeadLetterConfig: { Arn: dlq.arn }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
      }),
    );
    await events().send(new PutEventsCommand({ Entries: [entry({ n: 1 }, 'app.doomed')] }));
    const [msg] = await receiveAll(dlq.url, 1);
    expect(JSON.parse(msg!.Body!).detail).toEqual({ n: 1 });
    expect(msg!.MessageAttributes?.RULE_ARN?.StringValue).toContain('rule/doomed');
    expect(msg!.MessageAttributes?.TARGET_ARN?.StringValue).toContain('does-not-exist');
    expect(msg!.MessageAttributes?.ERROR_CODE?.StringValue).toBeTruthy();
  });

  it('archives events and replays them to the rules again', async () => {
    const q = await queue('eb-replay');
    const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    const archive = await events().send(new CreateArchiveCommand({ ArchiveName: 'all-replays', EventSourceArn: busArn, EventPattern: JSON.stringify({ source: ['app.replay'] }) }));
    await events().send(new PutRuleCommand({ Name: 'replayed', EventPattern: JSON.stringify({ source: ['app.replay'] }) }));
    await events().send(new PutTargetsCommand({ Rule: 'replayed', Targets: [{ Id: 'q', Arn: q.arn }] }));
    const before = Date.now() - 60_000;
    await events().send(new PutEventsCommand({ Entries: [entry({ n: 1 }, 'app.replay')] }));
    await receiveAll(q.url, 1);
    await events().send(
      new StartReplayCommand({ ReplayName: 'r1', EventSourceArn: archive.ArchiveArn, EventStartTime: new Date(before), EventEndTime: new Date(Date.now() + 3_600_000), Destination: { Arn: busArn } }),
    );
    const [again] = await receiveAll(q.url, 1);
    expect(JSON.parse(again!.Body!)['replay-name']).toBe('r1');
    await waitFor(async () => (await events().send(new DescribeReplayCommand({ ReplayName: 'r1' }))).State === 'COMPLETED');
  });

  it('tests patterns and rejects invalid ones', async () => {
    const event = JSON.stringify({ id: '1', account: '000000000000', source: 'aws.s3', time: '2026-01-01T00:00:00Z', region: 'us-east-1', 'detail-type': 'Object Created', resources: [], detail: { object: { key: 'data/x.csv', size: 10 } } });
    const yes = await events().send(new TestEventPatternCommand({ Event: event, EventPattern: JSON.stringify({ detail: { object: { key: [{ suffix: '.csv' }] } } }) }));
    expect(yes.Result).toBe(true);
    const no = await events().send(new TestEventPatternCommand({ Event: event, EventPattern: JSON.stringify({ detail: { object: { size: [{ numeric: ['>', 100] }] } } }) }));
    expect(no.Result).toBe(false);
    await expect(events().send(new TestEventPatternCommand({ Event: event, EventPattern: '{"source": "not-an-array"}' }))).rejects.toBeInstanceOf(InvalidEventPatternException);
  });

  it('refuses to delete a rule that still has targets', async () => {
    await events().send(new PutRuleCommand({ Name: 'sticky', EventPattern: JSON.stringify({ source: ['x'] }) }));
    await events().send(new PutTargetsCommand({ Rule: 'sticky', Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:whatever' }] }));
    await expect(events().send(new DeleteRuleCommand({ Name: 'sticky' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
  it('validates an archive name and source before creating it (nothing half-made is listed afterwards)', async () => {
    const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    const refused = async (input: object) => {
      const err = await events().send(new CreateArchiveCommand(input as never)).then(() => undefined, (e: { name: string; message: string }) => e);
      expect(err?.name).toBe('ValidationException');
      return err!.message;
    };
    expect(await refused({ EventSourceArn: busArn })).toMatch(/Value null at 'archiveName'/);
    expect(await refused({ ArchiveName: 'no-source' })).toMatch(/Value null at 'eventSourceArn'/);
    expect(await refused({ ArchiveName: 'has space', EventSourceArn: busArn })).toMatch(/regular expression pattern/);
    expect(await refused({ ArchiveName: 'a'.repeat(49), EventSourceArn: busArn })).toMatch(/less than or equal to 48/);
    const { Archives } = await events().send(new ListArchivesCommand({}));
    expect(Archives?.every((a) => typeof a.ArchiveName === 'string' && a.ArchiveName !== 'no-source')).toBe(true);
  });
});
