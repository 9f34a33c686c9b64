import { AwsError } from '../../emulator/core/errors';
import { NO_FAULT_HOOKS } from '../../emulator/core/faults';
import { waitFor } from '../../harness/wait';
import { awsErrorOf, bodyOf, unitSetup, type UnitSetup } from './unit-helpers';

/** Retries on the emulator clock, client-side failures, subscription DLQs, the email outbox, the bus receiver. */

async function sqsSubscription(u: UnitSetup, attrs: Record<string, string> = {}) {
  const topicArn = await u.topic();
  const queue = u.queueArn(`q-${topicArn.split(':').pop()}`);
  const { SubscriptionArn } = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue, Attributes: attrs }, u.ctx);
  return { topicArn, queue, subscriptionArn: SubscriptionArn! };
}

/** Fires the next retry timer, checking the delay it was scheduled with. */
async function nextRetry(u: UnitSetup, expectedDelayMs: number): Promise<void> {
  const due = await waitFor(() => u.clock.nextDue(), { what: 'a retry timer' });
  expect(due - u.clock.now()).toBe(expectedDelayMs);
  u.clock.advance(expectedDelayMs);
}

describe('SNS delivery to SQS and Lambda', () => {
  it('retries server-side failures (3 immediate, 2 × 1 s, backoff to 20 s), then sends the envelope to the DLQ', async () => {
    const u = unitSetup();
    const dlq = u.queueArn('dlq');
    const { topicArn, queue, subscriptionArn } = await sqsSubscription(u, {
      RawMessageDelivery: 'true',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq }),
    });
    u.faults.set(queue, () => new Error('injected fault'));
    const { MessageId } = await u.sns.Publish(
      { TopicArn: topicArn, Message: 'payload', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
      u.ctx,
    );
    await waitFor(() => u.attempts.get(queue) === 4, { what: 'the first attempt and 3 immediate retries' });
    for (const delay of [1000, 1000, 1000, 4472, 20000]) await nextRetry(u, delay);
    const [dead] = await u.arrivals(dlq, 1);
    expect(u.attempts.get(queue)).toBe(9);
    if (dead!.message.kind !== 'sqs') throw new Error('expected an sqs message');
    const env = JSON.parse(dead!.message.body);
    expect(env).toMatchObject({ Type: 'Notification', MessageId, TopicArn: topicArn, Message: 'payload' });
    expect(dead!.message.messageAttributes).toEqual({ k: { DataType: 'String', StringValue: 'v' } });
    expect(dead!.origin).toMatchObject({ principal: 'sns.amazonaws.com', sourceArn: topicArn });
    const failed = u.hopsOf('sns.deliver.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ subscriptionArn, messageId: MessageId, reason: 'retries-exhausted', attempts: 9 });
    expect(u.hopsOf('sns.dlq')[0]).toMatchObject({ deadLetterTargetArn: dlq, messageId: MessageId });
    expect(u.clock.pendingCount).toBe(0);
  });

  it('a delivery that succeeds on a retry reaches the queue once, with the same MessageId', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await sqsSubscription(u);
    let failures = 2;
    u.faults.set(queue, () => (failures-- > 0 ? new AwsError('InternalError', 'try again', 500) : undefined));
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'eventually' }, u.ctx);
    const [got] = await u.arrivals(queue, 1);
    expect(JSON.parse(bodyOf(got!)).MessageId).toBe(MessageId);
    expect(u.attempts.get(queue)).toBe(3);
    expect(u.hopsOf('sns.deliver.failed')).toHaveLength(0);
  });

  it('a deleted queue is a client-side error: no retries, straight to the DLQ', async () => {
    const u = unitSetup();
    const dlq = u.queueArn('dlq');
    const { topicArn, queue } = await sqsSubscription(u, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq }) });
    u.queues.delete(queue);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'lost queue' }, u.ctx);
    const [dead] = await u.arrivals(dlq, 1);
    expect(JSON.parse(bodyOf(dead!)).Message).toBe('lost queue');
    expect(u.hopsOf('sns.deliver.failed')[0]).toMatchObject({ reason: 'client-error', attempts: 1 });
    expect(u.clock.pendingCount).toBe(0);
  });

  it('without a DLQ a failed delivery is dropped (and traced)', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await sqsSubscription(u);
    u.faults.set(queue, () => new AwsError('KmsAccessDenied', 'denied', 400));
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'dropped' }, u.ctx);
    const failed = await waitFor(() => u.hopsOf('sns.deliver.failed')[0]);
    expect(failed).toMatchObject({ messageId: MessageId, reason: 'client-error' });
    expect(u.hopsOf('sns.dlq')).toHaveLength(0);
    expect(u.received).toHaveLength(0);
  });

  it('raw delivery of more than 10 attributes is a client-side error', async () => {
    const u = unitSetup();
    const dlq = u.queueArn('dlq');
    const { topicArn, queue } = await sqsSubscription(u, { RawMessageDelivery: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq }) });
    const attrs = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    await u.sns.Publish({ TopicArn: topicArn, Message: 'many', MessageAttributes: attrs }, u.ctx);
    const [dead] = await u.arrivals(dlq, 1);
    expect(JSON.parse(bodyOf(dead!)).Message).toBe('many');
    // More than SQS's 10 attributes: the DLQ copy carries the envelope only.
    expect(dead!.message.kind === 'sqs' && dead!.message.messageAttributes).toBeUndefined();
    expect(u.attempts.get(queue)).toBeUndefined();
  });

  it('the managed retry schedule is configurable', async () => {
    const u = unitSetup();
    u.sns.setManagedRetry({ noDelayRetries: 1, minDelayRetries: 0, backoffRetries: 0, maxDelayRetries: 0, minDelayMs: 0, maxDelayMs: 0, backoffFunction: 'linear' });
    const { topicArn, queue } = await sqsSubscription(u);
    u.faults.set(queue, () => new Error('down'));
    await u.sns.Publish({ TopicArn: topicArn, Message: 'x' }, u.ctx);
    await waitFor(() => u.hopsOf('sns.deliver.failed')[0]);
    expect(u.attempts.get(queue)).toBe(2);
  });

  it('a missing Lambda function goes to the DLQ with no retries', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const dlq = u.queueArn('dlq');
    await u.sns.Subscribe(
      {
        TopicArn: topicArn,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:gone',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq }) },
      },
      u.ctx,
    );
    await u.sns.Publish({ TopicArn: topicArn, Message: 'to lambda' }, u.ctx);
    const [dead] = await u.arrivals(dlq, 1);
    expect(JSON.parse(bodyOf(dead!))).toMatchObject({ Type: 'Notification', Message: 'to lambda' });
  });

  it('an unsubscribed subscription gets nothing; Publish does not wait for deliveries', async () => {
    const u = unitSetup();
    const { topicArn, queue, subscriptionArn } = await sqsSubscription(u);
    await u.sns.Unsubscribe({ SubscriptionArn: subscriptionArn }, u.ctx);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'nobody' }, u.ctx);
    expect(u.hopsOf('sns.deliver')).toHaveLength(0);
    expect(u.received.filter((r) => r.arn === queue)).toHaveLength(0);

    const other = await sqsSubscription(u);
    await u.sns.Publish({ TopicArn: other.topicArn, Message: 'later' }, u.ctx);
    // Dispatch happens after Publish has returned.
    expect(u.received).toHaveLength(0);
    await u.arrivals(other.queue, 1);
  });

  it('signatures are made off the event loop, yet a topic delivers its messages in publish order', async () => {
    const u = unitSetup();
    const signed = await sqsSubscription(u);
    const raw = u.queueArn('raw-too');
    await u.sns.Subscribe({ TopicArn: signed.topicArn, Protocol: 'sqs', Endpoint: raw, Attributes: { RawMessageDelivery: 'true' } }, u.ctx);
    const texts = Array.from({ length: 40 }, (_, i) => `m${i}`);
    // Publishes back to back: later messages' signatures may be ready first, but must not overtake.
    await Promise.all(texts.map((Message) => u.sns.Publish({ TopicArn: signed.topicArn, Message }, u.ctx)));
    expect(u.bus.busy()).toBe(true); // signing in progress counts as activity
    const envelopes = await u.arrivals(signed.queue, texts.length);
    expect(envelopes.map((r) => JSON.parse(bodyOf(r)).Message)).toEqual(texts);
    for (const r of envelopes) expect(JSON.parse(bodyOf(r)).Signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await u.arrivals(raw, texts.length)).map(bodyOf)).toEqual(texts);
  });
});

describe('SNS outbox (email, email-json)', () => {
  it('captures the confirmation and each notification; email-json gets the JSON envelope', async () => {
    const u = unitSetup();
    const topicArn = await u.topic('alerts', { DisplayName: 'Alerts' });
    const mail = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }, u.ctx);
    const json = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'email-json', Endpoint: 'bot@example.com' }, u.ctx);
    // Confirmed at once in the emulator (see emulator/sns/subscriptions.ts).
    expect(mail.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:alerts:/);
    const confirmations = u.sns.outbox();
    expect(confirmations.map((e) => [e.protocol, e.type])).toEqual([
      ['email', 'SubscriptionConfirmation'],
      ['email-json', 'SubscriptionConfirmation'],
    ]);
    expect(confirmations[0]!.body).toContain('Action=ConfirmSubscription');
    expect(JSON.parse(confirmations[1]!.body)).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn: topicArn });

    u.sns.clearOutbox();
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'disk full', Subject: 'ALARM' }, u.ctx);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'no subject' }, u.ctx);
    const entries = await waitFor(() => (u.sns.outbox().length === 4 ? u.sns.outbox() : undefined));
    expect(entries[0]).toEqual({
      protocol: 'email',
      endpoint: 'ops@example.com',
      subscriptionArn: mail.SubscriptionArn,
      topicArn,
      type: 'Notification',
      messageId: MessageId,
      subject: 'ALARM',
      body: 'disk full',
      time: u.clock.now(),
    });
    expect(entries[1]).toMatchObject({ protocol: 'email-json', subscriptionArn: json.SubscriptionArn, subject: 'ALARM' });
    expect(JSON.parse(entries[1]!.body)).toMatchObject({ Type: 'Notification', MessageId, Subject: 'ALARM', Message: 'disk full' });
    expect(entries[2]).toMatchObject({ protocol: 'email', subject: 'AWS Notification Message', body: 'no subject' });
    expect(await u.bus.ask('sns.outbox', {})).toEqual(entries);
    await u.bus.ask('sns.outbox.clear', {});
    expect(u.sns.outbox()).toEqual([]);
  });

  it('reset() drops topics, subscriptions and the outbox', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'a@b.c' }, u.ctx);
    u.sns.reset();
    expect(u.sns.outbox()).toEqual([]);
    expect((await u.sns.ListTopics({}, u.ctx)).Topics).toEqual([]);
    expect((await awsErrorOf(() => u.sns.GetTopicAttributes({ TopicArn: topicArn }, u.ctx))).code).toBe('NotFound');
  });
});

describe('SNS as a bus destination (S3 notifications, Lambda DLQs)', () => {
  const s3Origin = { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::uploads', sourceAccount: '000000000000' };

  it('publishes a kind:sns message to the subscribers', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await sqsSubscription(u);
    u.bus.check(topicArn, s3Origin);
    await u.bus.sendNow(topicArn, { kind: 'sns', message: '{"Records":[]}', subject: 'Amazon S3 Notification' }, s3Origin);
    const env = JSON.parse(bodyOf((await u.arrivals(queue, 1))[0]!));
    expect(env).toMatchObject({ Subject: 'Amazon S3 Notification', Message: '{"Records":[]}', TopicArn: topicArn });
    // Without a request, UnsubscribeURL uses the endpoint the topic was created through.
    expect(env.UnsubscribeURL).toMatch(/^http:\/\/127\.0\.0\.1:4566\/\?Action=Unsubscribe/);
  });

  it('refuses a missing topic, a FIFO topic for S3, and non-SNS messages', async () => {
    const u = unitSetup();
    expect(() => u.bus.check('arn:aws:sns:us-east-1:000000000000:nope', s3Origin)).toThrow('Topic does not exist');
    const fifo = await u.topic('t.fifo', { FifoTopic: 'true' });
    expect(() => u.bus.check(fifo, s3Origin)).toThrow(/FIFO/);
    const std = await u.topic();
    await expect(u.bus.sendNow(std, { kind: 'lambda', payload: '{}' }, s3Origin)).rejects.toThrow(/cannot accept/);
  });

  it('strict mode: the default topic policy does not let S3 publish; a policy naming the bucket does', async () => {
    const u = unitSetup({ strict: true });
    const topicArn = await u.topic();
    const denied = await awsErrorOf(() => u.bus.check(topicArn, s3Origin));
    expect([denied.code, denied.status]).toEqual(['AuthorizationError', 403]);
    // Lambda (DLQ / destinations) publishes with its execution role, not the topic policy.
    expect(() => u.bus.check(topicArn, { ...s3Origin, principal: 'lambda.amazonaws.com' })).not.toThrow();

    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'SNS:Publish',
          Resource: topicArn,
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::uploads' } },
        },
      ],
    };
    await u.sns.SetTopicAttributes({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }, u.ctx);
    expect(() => u.bus.check(topicArn, s3Origin)).not.toThrow();
    expect(() => u.bus.check(topicArn, { ...s3Origin, sourceArn: 'arn:aws:s3:::other' })).toThrow(/does not allow/);
  });
});

describe('SNS and the fault injector / EventBridge', () => {
  it('sns-fail faults count as server-side failures and are retried', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await sqsSubscription(u);
    let injected = 2;
    u.bus.faults = { ...NO_FAULT_HOOKS, snsDeliveryFails: (endpoint) => endpoint === queue && injected-- > 0 };
    await u.sns.Publish({ TopicArn: topicArn, Message: 'after faults' }, u.ctx);
    const [got] = await u.arrivals(queue, 1);
    expect(JSON.parse(bodyOf(got!)).Message).toBe('after faults');
    expect(injected).toBe(-1);
    expect(u.hopsOf('sns.deliver').map((h) => h.attempt)).toEqual([1, 2, 3]);
  });

  it('an EventBridge event delivered to a topic is published as JSON', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await sqsSubscription(u);
    const event = { version: '0', 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'b' } } };
    await u.bus.sendNow(topicArn, { kind: 'event', event }, { principal: 'events.amazonaws.com', sourceArn: 'arn:aws:events:us-east-1:000000000000:rule/r', sourceAccount: '000000000000' });
    const env = JSON.parse(bodyOf((await u.arrivals(queue, 1))[0]!));
    expect(JSON.parse(env.Message)).toEqual(event);
  });
});
