import { createHash } from 'node:crypto';
import { awsErrorOf, unitSetup } from './unit-helpers';

/** FIFO topics: group ids, deduplication (id or content SHA-256, 5-minute window), sequence numbers. */
describe('SNS FIFO topics', () => {
  const fifoTopic = async (u: ReturnType<typeof unitSetup>, attrs: Record<string, string> = {}) =>
    u.topic('orders.fifo', { FifoTopic: 'true', ...attrs });

  it('needs MessageGroupId, and a dedup id unless ContentBasedDeduplication', async () => {
    const u = unitSetup();
    const topicArn = await fifoTopic(u);
    const noGroup = await awsErrorOf(() => u.sns.Publish({ TopicArn: topicArn, Message: 'm', MessageDeduplicationId: 'd' }, u.ctx));
    expect([noGroup.code, noGroup.message]).toEqual(['InvalidParameter', 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics']);
    const noDedup = await awsErrorOf(() => u.sns.Publish({ TopicArn: topicArn, Message: 'm', MessageGroupId: 'g' }, u.ctx));
    expect(noDedup.message).toBe(
      'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
    const standard = await u.topic('plain');
    const dedupOnStandard = await awsErrorOf(() => u.sns.Publish({ TopicArn: standard, Message: 'm', MessageDeduplicationId: 'd' }, u.ctx));
    expect(dedupOnStandard.message).toBe(
      'Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    );
  });

  it('deduplicates by MessageDeduplicationId for 5 minutes, returning the first MessageId', async () => {
    const u = unitSetup();
    const topicArn = await fifoTopic(u);
    const queue = u.queueArn('q.fifo');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue }, u.ctx);
    const send = (body: string, dedup: string) =>
      u.sns.Publish({ TopicArn: topicArn, Message: body, MessageGroupId: 'g1', MessageDeduplicationId: dedup }, u.ctx);

    const first = await send('one', 'd1');
    const again = await send('different body, same id', 'd1');
    expect(again).toEqual(first);
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    u.clock.advance(4 * 60_000);
    expect(await send('still within the window', 'd1')).toEqual(first);
    u.clock.advance(60_000);
    const later = await send('window over', 'd1');
    expect(later.MessageId).not.toBe(first.MessageId);
    expect(BigInt(later.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));

    const got = await u.arrivals(queue, 2);
    expect(got.map((r) => r.message.kind === 'sqs' && JSON.parse(r.message.body).Message)).toEqual(['one', 'window over']);
    expect(u.hopsOf('sns.publish.deduplicated')).toHaveLength(2);
  });

  it('content-based deduplication hashes the message with SHA-256 and passes ids to FIFO queues only', async () => {
    const u = unitSetup();
    const topicArn = await fifoTopic(u, { ContentBasedDeduplication: 'true' });
    const fifoQueue = u.queueArn('q.fifo');
    const standardQueue = u.queueArn('std');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: fifoQueue }, u.ctx);
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: standardQueue }, u.ctx);
    const a = await u.sns.Publish({ TopicArn: topicArn, Message: 'same', MessageGroupId: 'g' }, u.ctx);
    const b = await u.sns.Publish({ TopicArn: topicArn, Message: 'same', MessageGroupId: 'other-group' }, u.ctx);
    expect(b.MessageId).toBe(a.MessageId);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'new', MessageGroupId: 'g' }, u.ctx);

    const [toFifo] = await u.arrivals(fifoQueue, 2);
    const [toStandard] = await u.arrivals(standardQueue, 2);
    expect(toFifo!.message).toMatchObject({
      kind: 'sqs',
      messageGroupId: 'g',
      messageDeduplicationId: createHash('sha256').update('same').digest('hex'),
    });
    expect(toStandard!.message).toMatchObject({ kind: 'sqs', messageGroupId: undefined, messageDeduplicationId: undefined });
    // The FIFO envelope carries the sequence number.
    expect(toFifo!.message.kind === 'sqs' && JSON.parse(toFifo!.message.body).SequenceNumber).toBe(a.SequenceNumber);
  });

  it('only SQS subscribers; FIFO queues only on FIFO topics; FIFO attributes only on FIFO topics', async () => {
    const u = unitSetup();
    const topicArn = await fifoTopic(u);
    const lambdaErr = await awsErrorOf(() => u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: u.functionArn('f') }, u.ctx));
    expect(lambdaErr.code).toBe('InvalidParameter');
    const standard = await u.topic('plain');
    const fifoQueueErr = await awsErrorOf(() => u.sns.Subscribe({ TopicArn: standard, Protocol: 'sqs', Endpoint: u.queueArn('x.fifo') }, u.ctx));
    expect(fifoQueueErr.message).toBe('Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
    const cbd = await awsErrorOf(() => u.sns.CreateTopic({ Name: 'plain2', Attributes: { ContentBasedDeduplication: 'true' } }, u.ctx));
    expect(cbd.code).toBe('InvalidParameter');
    const attrs = (await u.sns.GetTopicAttributes({ TopicArn: topicArn }, u.ctx)).Attributes!;
    expect(attrs).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'false' });
    const badName = await awsErrorOf(() => u.sns.CreateTopic({ Name: 'nofifo', Attributes: { FifoTopic: 'true' } }, u.ctx));
    expect(badName.message).toMatch(/^Invalid parameter: Fifo Topic names must end with \.fifo/);
    const fifoNameOnStandard = await awsErrorOf(() => u.sns.CreateTopic({ Name: 'x.fifo' }, u.ctx));
    expect(fifoNameOnStandard.message).toBe('Invalid parameter: Topic Name');
  });

  it('a FIFO subscription DLQ must be a FIFO queue', async () => {
    const u = unitSetup();
    const topicArn = await fifoTopic(u);
    const err = await awsErrorOf(() =>
      u.sns.Subscribe(
        {
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: u.queueArn('q.fifo'),
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: u.queueArn('dlq') }) },
        },
        u.ctx,
      ),
    );
    expect(err.message).toBe('Invalid parameter: Attributes Reason: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.');
  });
});
