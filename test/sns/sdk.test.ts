import {
  AddPermissionCommand,
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  RemovePermissionCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { errorOf, startSnsServer, type SnsTestServer } from './helpers';
import { startHttpEndpoint } from './http-endpoint';

/** SNS through the official SDK clients (SNS over Query, SQS over JSON), end to end through the emulator. */
let s: SnsTestServer;
beforeAll(async () => {
  s = await startSnsServer();
});
afterAll(async () => {
  await s?.stop();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

async function topic(name = unique('t'), attributes?: Record<string, string>): Promise<string> {
  return (await s.snsClient.send(new CreateTopicCommand({ Name: name, Attributes: attributes }))).TopicArn!;
}

async function queue(name = unique('q'), attributes?: Record<string, string>): Promise<{ url: string; arn: string }> {
  const url = (await s.sqsClient.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const attrs = await s.sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attrs.Attributes!.QueueArn! };
}

/** Receives until `n` messages have arrived (long polls, no sleeps). */
async function receive(url: string, n: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(
    async () => {
      const out = await s.sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
      );
      got.push(...(out.Messages ?? []));
      return got.length >= n;
    },
    { what: `${n} messages in ${url}`, describe: () => `got ${got.length}` },
  );
  return got;
}

async function sqsSubscription(attrs?: Record<string, string>) {
  const topicArn = await topic();
  const q = await queue();
  const { SubscriptionArn } = await s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: attrs }));
  return { topicArn, q, subscriptionArn: SubscriptionArn! };
}

const missingTopic = 'arn:aws:sns:us-east-1:000000000000:does-not-exist';

describe('topics', () => {
  it('CreateTopic is idempotent for the same attributes and refuses different ones', async () => {
    const name = unique('idem');
    const a = await topic(name, { DisplayName: 'One' });
    expect(a).toBe(`arn:aws:sns:us-east-1:000000000000:${name}`);
    expect(await topic(name, { DisplayName: 'One' })).toBe(a);
    expect(await topic(name)).toBe(a);
    const err = await errorOf(() => s.snsClient.send(new CreateTopicCommand({ Name: name, Attributes: { DisplayName: 'Two' } })));
    expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual([
      'InvalidParameterException',
      'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
      400,
    ]);
    const bad = await errorOf(() => s.snsClient.send(new CreateTopicCommand({ Name: 'has space' })));
    expect([bad.name, bad.message]).toEqual(['InvalidParameterException', 'Invalid parameter: Topic Name']);
  });

  it('GetTopicAttributes: owner, default policy, counts, effective delivery policy; NotFound for a missing topic', async () => {
    const topicArn = await topic();
    const { Attributes } = await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(Attributes).toMatchObject({
      TopicArn: topicArn,
      Owner: '000000000000',
      DisplayName: '',
      SubscriptionsConfirmed: '0',
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    });
    const policy = JSON.parse(Attributes!.Policy!);
    expect(policy.Statement[0]).toMatchObject({ Sid: '__default_statement_ID', Resource: topicArn, Condition: { StringEquals: { 'AWS:SourceOwner': '000000000000' } } });
    expect(JSON.parse(Attributes!.EffectiveDeliveryPolicy!).http.defaultHealthyRetryPolicy).toMatchObject({ numRetries: 3, minDelayTarget: 20, maxDelayTarget: 20 });
    const err = await errorOf(() => s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: missingTopic })));
    expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual(['NotFoundException', 'Topic does not exist', 404]);
    const malformed = await errorOf(() => s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' })));
    expect(malformed.name).toBe('InvalidParameterException');
  });

  it('FIFO topics', async () => {
    const topicArn = await topic(`${unique('f')}.fifo`, { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    const { Attributes } = await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true' });
  });

  it('SetTopicAttributes sets what it may and refuses the rest', async () => {
    const topicArn = await topic();
    await s.snsClient.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'DisplayName', AttributeValue: 'Shown' }));
    expect((await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes!.DisplayName).toBe('Shown');
    for (const name of ['Nope', 'FifoTopic', 'TopicArn']) {
      const err = await errorOf(() => s.snsClient.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: name, AttributeValue: 'x' })));
      expect([err.name, err.message]).toEqual(['InvalidParameterException', 'Invalid parameter: AttributeName']);
    }
    const missing = await errorOf(() => s.snsClient.send(new SetTopicAttributesCommand({ TopicArn: missingTopic, AttributeName: 'DisplayName', AttributeValue: 'x' })));
    expect(missing.name).toBe('NotFoundException');
  });

  it('ListTopics pages by 100', async () => {
    await s.sns.reset();
    const created = [];
    for (let i = 0; i < 105; i++) created.push(await topic(`page-${String(i).padStart(3, '0')}`));
    const first = await s.snsClient.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toBeDefined();
    const second = await s.snsClient.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.Topics).toHaveLength(5);
    expect(second.NextToken).toBeUndefined();
    expect([...first.Topics!, ...second.Topics!].map((t) => t.TopicArn)).toEqual(created);
    const err = await errorOf(() => s.snsClient.send(new ListTopicsCommand({ NextToken: 'garbage' })));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('DeleteTopic removes the topic and its subscriptions, and is idempotent', async () => {
    const { topicArn, subscriptionArn } = await sqsSubscription();
    await s.snsClient.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    await s.snsClient.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    expect((await errorOf(() => s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn })))).name).toBe('NotFoundException');
    expect((await errorOf(() => s.snsClient.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })))).name).toBe('NotFoundException');
  });

  it('tags', async () => {
    const topicArn = await topic();
    await s.snsClient.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: 'team', Value: 'data' }, { Key: 'env', Value: 'test' }] }));
    await s.snsClient.send(new UntagResourceCommand({ ResourceArn: topicArn, TagKeys: ['env'] }));
    expect((await s.snsClient.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))).Tags).toEqual([{ Key: 'team', Value: 'data' }]);
    const dup = await errorOf(() => s.snsClient.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] })));
    expect([dup.name, dup.message]).toEqual(['InvalidParameterException', 'Invalid parameter: Duplicated keys are not allowed.']);
    const missing = await errorOf(() => s.snsClient.send(new ListTagsForResourceCommand({ ResourceArn: missingTopic })));
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['ResourceNotFoundException', 404]);
    // CreateTopic with tags; repeating it with other tags is refused.
    const name = unique('tagged');
    await s.snsClient.send(new CreateTopicCommand({ Name: name, Tags: [{ Key: 'k', Value: 'v' }] }));
    const other = await errorOf(() => s.snsClient.send(new CreateTopicCommand({ Name: name, Tags: [{ Key: 'k', Value: 'w' }] })));
    expect(other.message).toBe('Invalid parameter: Tags Reason: Topic already exists with different tags');
  });

  it('AddPermission / RemovePermission edit the topic policy', async () => {
    const topicArn = await topic();
    await s.snsClient.send(new AddPermissionCommand({ TopicArn: topicArn, Label: 'partners', AWSAccountId: ['111122223333'], ActionName: ['Publish'] }));
    let policy = JSON.parse((await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes!.Policy!);
    expect(policy.Statement.find((st: { Sid: string }) => st.Sid === 'partners')).toEqual({
      Sid: 'partners',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'SNS:Publish',
      Resource: topicArn,
    });
    const again = await errorOf(() => s.snsClient.send(new AddPermissionCommand({ TopicArn: topicArn, Label: 'partners', AWSAccountId: ['1'], ActionName: ['Publish'] })));
    expect(again.message).toBe('Invalid parameter: Statement already exists');
    const badAction = await errorOf(() => s.snsClient.send(new AddPermissionCommand({ TopicArn: topicArn, Label: 'x', AWSAccountId: ['1'], ActionName: ['Fly'] })));
    expect(badAction.message).toBe('Invalid parameter: Policy statement action out of service scope!');
    await s.snsClient.send(new RemovePermissionCommand({ TopicArn: topicArn, Label: 'partners' }));
    policy = JSON.parse((await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes!.Policy!);
    expect(policy.Statement.map((st: { Sid: string }) => st.Sid)).toEqual(['__default_statement_ID']);
  });
});

describe('subscriptions', () => {
  it('Subscribe, attributes, lists, Unsubscribe', async () => {
    const { topicArn, q, subscriptionArn } = await sqsSubscription();
    expect(subscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    // Subscribing the same endpoint again returns the same subscription.
    const again = await s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn }));
    expect(again.SubscriptionArn).toBe(subscriptionArn);

    await s.snsClient.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
    const { Attributes } = await s.snsClient.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
    expect(Attributes).toMatchObject({
      SubscriptionArn: subscriptionArn,
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: q.arn,
      Owner: '000000000000',
      PendingConfirmation: 'false',
      ConfirmationWasAuthenticated: 'true',
      RawMessageDelivery: 'true',
    });
    const differs = await errorOf(() =>
      s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'false' } })),
    );
    expect(differs.message).toBe('Invalid parameter: Attributes Reason: Subscription already exists with different attributes');

    const byTopic = await s.snsClient.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(byTopic.Subscriptions).toEqual([{ SubscriptionArn: subscriptionArn, Owner: '000000000000', Protocol: 'sqs', Endpoint: q.arn, TopicArn: topicArn }]);
    const all = await s.snsClient.send(new ListSubscriptionsCommand({}));
    expect(all.Subscriptions!.map((x) => x.SubscriptionArn)).toContain(subscriptionArn);

    await s.snsClient.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    await s.snsClient.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    const gone = await errorOf(() => s.snsClient.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })));
    expect([gone.name, gone.message, gone.$metadata?.httpStatusCode]).toEqual(['NotFoundException', 'Subscription does not exist', 404]);
    expect((await s.snsClient.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes!.SubscriptionsDeleted).toBe('1');
  });

  it('Subscribe errors', async () => {
    const topicArn = await topic();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ TopicArn: missingTopic, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q' }, 'NotFoundException', 'Topic does not exist'],
      [{ TopicArn: topicArn, Protocol: 'carrier-pigeon', Endpoint: 'x' }, 'InvalidParameterException', 'Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon'],
      [{ TopicArn: topicArn, Protocol: 'sqs', Endpoint: 'not-an-arn' }, 'InvalidParameterException', 'Invalid parameter: SQS endpoint ARN'],
      [{ TopicArn: topicArn, Protocol: 'email', Endpoint: 'nobody' }, 'InvalidParameterException', 'Invalid parameter: Email address'],
      [
        { TopicArn: topicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q', Attributes: { Colour: 'blue' } },
        'InvalidParameterException',
        'Invalid parameter: Attributes Reason: AttributeName',
      ],
      [
        { TopicArn: topicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:f', Attributes: { RawMessageDelivery: 'true' } },
        'InvalidParameterException',
        'Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.',
      ],
      [
        { TopicArn: topicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q', Attributes: { RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:q","maxReceiveCount":5}' } },
        'InvalidParameterException',
        'Invalid parameter: Attributes Reason: RedrivePolicy: invalid JSON. Attribute maxReceiveCount is unknown.',
      ],
    ];
    for (const [input, name, message] of cases) {
      const err = await errorOf(() => s.snsClient.send(new SubscribeCommand(input as never)));
      expect([err.name, err.message]).toEqual([name, message]);
    }
    const noDlq = await errorOf(() =>
      s.snsClient.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:no-such-dlq' }) } }),
      ),
    );
    expect(noDlq.message).toMatch(/^Invalid parameter: Attributes Reason: RedrivePolicy: deadLetterTargetArn .* is not usable/);
    const setUnknown = await errorOf(() =>
      s.snsClient.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: `${topicArn}:0c6b0e8a-0000-4000-8000-000000000000`, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' })),
    );
    expect(setUnknown.name).toBe('NotFoundException');
  });
});

describe('publish to SQS subscribers', () => {
  it('delivers the envelope, with the message attributes inside it', async () => {
    const { topicArn, q, subscriptionArn } = await sqsSubscription();
    const { MessageId } = await s.snsClient.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'hello queue',
        Subject: 'Hi',
        MessageAttributes: { color: { DataType: 'String', StringValue: 'red' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from('xyz') } },
      }),
    );
    const [msg] = await receive(q.url, 1);
    expect(msg!.MessageAttributes).toBeUndefined();
    const env = JSON.parse(msg!.Body!);
    expect(env).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: 'Hi',
      Message: 'hello queue',
      SignatureVersion: '1',
      UnsubscribeURL: `${s.endpoint}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
      MessageAttributes: { color: { Type: 'String', Value: 'red' }, blob: { Type: 'Binary', Value: Buffer.from('xyz').toString('base64') } },
    });
    expect(env.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('raw delivery: bare body, SNS attributes as SQS message attributes', async () => {
    const { topicArn, q } = await sqsSubscription({ RawMessageDelivery: 'true' });
    await s.snsClient.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: '{"raw":true}',
        MessageAttributes: {
          s: { DataType: 'String', StringValue: 'v' },
          n: { DataType: 'Number', StringValue: '7' },
          b: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) },
        },
      }),
    );
    const [msg] = await receive(q.url, 1);
    expect(msg!.Body).toBe('{"raw":true}');
    expect(msg!.MessageAttributes).toMatchObject({
      s: { DataType: 'String', StringValue: 'v' },
      n: { DataType: 'Number', StringValue: '7' },
      b: { DataType: 'Binary' },
    });
    expect(Buffer.from(msg!.MessageAttributes!.b!.BinaryValue!)).toEqual(Buffer.from([0, 1, 2]));
  });

  it('a filter policy drops what does not match', async () => {
    const { topicArn, q } = await sqsSubscription({ FilterPolicy: JSON.stringify({ level: ['error'] }) });
    const publish = (level: string) =>
      s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: level, MessageAttributes: { level: { DataType: 'String', StringValue: level } } }));
    await publish('info');
    await publish('debug');
    await publish('error');
    const [msg] = await receive(q.url, 1);
    expect(JSON.parse(msg!.Body!).Message).toBe('error');
    const rest = await s.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 0 }));
    expect(rest.Messages ?? []).toHaveLength(0);
  });

  it('FIFO topic to FIFO queue: SequenceNumber, group id and dedup', async () => {
    const topicArn = await topic(`${unique('ft')}.fifo`, { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    const q = await queue(`${unique('fq')}.fifo`, { FifoQueue: 'true' });
    await s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const first = await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'a', MessageGroupId: 'g1' }));
    const dup = await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'a', MessageGroupId: 'g1' }));
    await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'b', MessageGroupId: 'g1' }));
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    expect(dup.MessageId).toBe(first.MessageId);
    const msgs = await receive(q.url, 1);
    expect(msgs[0]!.Body).toBe('a');
    expect(msgs[0]!.Attributes).toMatchObject({ MessageGroupId: 'g1' });
    const noGroup = await errorOf(() => s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'c' })));
    expect([noGroup.name, noGroup.message]).toEqual(['InvalidParameterException', 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics']);
  });

  it('sends to the subscription DLQ when the queue is gone', async () => {
    const dlq = await queue();
    const { topicArn, q } = await sqsSubscription({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) });
    await s.sqsClient.send(new DeleteQueueCommand({ QueueUrl: q.url }));
    const { MessageId } = await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'orphan' }));
    const [dead] = await receive(dlq.url, 1);
    expect(JSON.parse(dead!.Body!)).toMatchObject({ Type: 'Notification', MessageId, Message: 'orphan' });
  });

  it('Publish errors', async () => {
    const topicArn = await topic();
    const cases: [Record<string, unknown>, string, string | RegExp][] = [
      [{ TopicArn: missingTopic, Message: 'm' }, 'NotFoundException', 'Topic does not exist'],
      [{ TopicArn: topicArn, Message: '' }, 'InvalidParameterException', 'Invalid parameter: Empty message'],
      [{ TopicArn: topicArn, Message: 'm', Subject: 'x'.repeat(101) }, 'InvalidParameterException', 'Invalid parameter: Subject'],
      [{ TopicArn: topicArn, Message: 'm', Subject: 'two\nlines' }, 'InvalidParameterException', 'Invalid parameter: Subject'],
      [{ TopicArn: topicArn, Message: 'x'.repeat(262_145) }, 'InvalidParameterException', 'Invalid parameter: Message too long'],
      [{ TopicArn: topicArn, Message: '{"sqs":"x"}', MessageStructure: 'json' }, 'InvalidParameterException', 'Invalid parameter: Message Structure - No default entry in JSON message body'],
      [{ TopicArn: topicArn, Message: 'not json', MessageStructure: 'json' }, 'InvalidParameterException', 'Invalid parameter: Message Structure - JSON message body failed to parse'],
      [
        { TopicArn: topicArn, Message: 'm', MessageAttributes: { a: { DataType: 'Blob', StringValue: 'x' } } },
        'InvalidParameterValueException',
        "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        { TopicArn: topicArn, Message: 'm', MessageAttributes: { n: { DataType: 'Number', StringValue: 'seven' } } },
        'InvalidParameterValueException',
        "Could not cast message attribute 'n' value to number.",
      ],
      [
        { TopicArn: topicArn, Message: 'm', MessageAttributes: { b: { DataType: 'Binary', StringValue: 'x' } } },
        'InvalidParameterValueException',
        "The message attribute 'b' with type 'Binary' must use field 'Binary'.",
      ],
      [{ Message: 'm' }, 'InvalidParameterException', /^Invalid parameter: TopicArn or TargetArn/],
    ];
    for (const [input, name, message] of cases) {
      const err = await errorOf(() => s.snsClient.send(new PublishCommand(input as never)));
      expect(err.name).toBe(name);
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
    }
    // TargetArn is accepted for a topic.
    expect((await s.snsClient.send(new PublishCommand({ TargetArn: topicArn, Message: 'via target' }))).MessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('PublishBatch: per-entry results and batch errors', async () => {
    const { topicArn, q } = await sqsSubscription({ RawMessageDelivery: 'true' });
    const out = await s.snsClient.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'one', Message: 'first' },
          { Id: 'bad', Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'NaN-ish' } } },
          { Id: 'two', Message: 'second' },
        ],
      }),
    );
    expect(out.Successful!.map((e) => e.Id)).toEqual(['one', 'two']);
    expect(out.Failed).toEqual([{ Id: 'bad', Code: 'ParameterValueInvalid', Message: "Could not cast message attribute 'n' value to number.", SenderFault: true }]);
    const msgs = await receive(q.url, 2);
    expect(msgs.map((m) => m.Body).sort()).toEqual(['first', 'second']);

    const send = (entries: { Id: string; Message: string }[]) => errorOf(() => s.snsClient.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries })));
    expect((await send([{ Id: 'a', Message: 'x' }, { Id: 'a', Message: 'y' }])).name).toBe('BatchEntryIdsNotDistinctException');
    expect((await send(Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: 'x' })))).name).toBe('TooManyEntriesInBatchRequestException');
    expect((await send([])).name).toBe('EmptyBatchRequestException');
    expect((await send([{ Id: 'bad id!', Message: 'x' }])).name).toBe('InvalidBatchEntryIdException');
  });
});

describe('HTTP and email subscribers', () => {
  it('HTTP: confirmation through SubscribeURL, then POSTed notifications; the outbox records them', async () => {
    const endpoint = await startHttpEndpoint('/hook');
    try {
      const topicArn = await topic();
      const sub = await s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: endpoint.url }));
      expect(sub.SubscriptionArn).toBe('pending confirmation');
      const confirmation = JSON.parse((await waitFor(() => endpoint.requests[0])).body);
      expect(confirmation.Type).toBe('SubscriptionConfirmation');
      // What a real subscriber does: GET the SubscribeURL (unsigned).
      const res = await fetch(confirmation.SubscribeURL);
      expect(res.status).toBe(200);
      const xml = await res.text();
      const subscriptionArn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)![1]!;
      const attrs = (await s.snsClient.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes!;
      expect(attrs).toMatchObject({ PendingConfirmation: 'false', ConfirmationWasAuthenticated: 'false' });
      // Confirming again with the SDK is fine.
      expect((await s.snsClient.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: confirmation.Token }))).SubscriptionArn).toBe(subscriptionArn);

      const { MessageId } = await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'to the web' }));
      const post = await waitFor(() => endpoint.requests.find((r) => r.headers['x-amz-sns-message-type'] === 'Notification'));
      expect(post.path).toBe('/hook');
      expect(post.headers['x-amz-sns-message-id']).toBe(MessageId);
      expect(post.headers['x-amz-sns-subscription-arn']).toBe(subscriptionArn);
      expect(JSON.parse(post.body)).toMatchObject({ Type: 'Notification', MessageId, Message: 'to the web' });

      const outbox = await waitFor(async () => {
        const res = await fetch(`${s.endpoint}/_harness/outbox`);
        const { deliveries } = (await res.json()) as { deliveries: { messageId: string; status?: string }[] };
        return deliveries.find((d) => d.messageId === MessageId && d.status === 'delivered');
      });
      expect(outbox).toMatchObject({ protocol: 'http', endpoint: endpoint.url, subscriptionArn, topicArn });

      // The UnsubscribeURL in the envelope works too.
      const unsubscribe = await fetch(JSON.parse(post.body).UnsubscribeURL);
      expect(unsubscribe.status).toBe(200);
      expect((await errorOf(() => s.snsClient.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })))).name).toBe('NotFoundException');
    } finally {
      await endpoint.close();
    }
  });

  it('email: the outbox captures what would be mailed', async () => {
    const topicArn = await topic();
    const address = `${unique('ops')}@example.com`;
    const sub = await s.snsClient.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: address }));
    const { MessageId } = await s.snsClient.send(new PublishCommand({ TopicArn: topicArn, Message: 'disk full', Subject: 'ALARM: disk' }));
    const mail = await waitFor(() => s.sns.outbox().find((e) => e.messageId === MessageId));
    expect(mail).toMatchObject({ protocol: 'email', endpoint: address, subscriptionArn: sub.SubscriptionArn, topicArn, subject: 'ALARM: disk', body: 'disk full' });
    const res = await fetch(`${s.endpoint}/_harness/outbox`);
    const { deliveries } = (await res.json()) as { deliveries: { endpoint: string; type: string }[] };
    expect(deliveries.filter((d) => d.endpoint === address).map((d) => d.type)).toEqual(['SubscriptionConfirmation', 'Notification']);
  });
});
