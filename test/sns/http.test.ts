import { waitFor } from '../../harness/wait';
import { startHttpEndpoint, type HttpEndpoint } from './http-endpoint';
import { awsErrorOf, unitSetup, type UnitSetup } from './unit-helpers';

/** HTTP/S subscriptions: confirmation handshake, POST headers, raw delivery, retries on the emulator clock. */
describe('SNS HTTP subscriptions', () => {
  let endpoint: HttpEndpoint;
  beforeEach(async () => {
    endpoint = await startHttpEndpoint();
  });
  afterEach(async () => {
    await endpoint.close();
  });

  async function confirmedSubscription(u: UnitSetup, attrs: Record<string, string> = {}) {
    const topicArn = await u.topic();
    const sub = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: endpoint.url, Attributes: attrs }, u.ctx);
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    const confirmation = await waitFor(() => endpoint.requests[0]);
    const doc = JSON.parse(confirmation.body);
    const { SubscriptionArn } = await u.sns.ConfirmSubscription({ TopicArn: topicArn, Token: doc.Token }, u.ctx);
    endpoint.requests.length = 0;
    return { topicArn, subscriptionArn: SubscriptionArn!, confirmation, doc };
  }

  it('POSTs a SubscriptionConfirmation with Token and SubscribeURL; nothing is delivered until confirmed', async () => {
    const u = unitSetup();
    const topicArn = await u.topic('web');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: endpoint.url }, u.ctx);
    const req = await waitFor(() => endpoint.requests[0]);
    expect(req.path).toBe('/sns');
    expect(req.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    expect(req.headers['x-amz-sns-topic-arn']).toBe(topicArn);
    expect(req.headers['content-type']).toBe('text/plain; charset=UTF-8');
    const doc = JSON.parse(req.body);
    expect(Object.keys(doc)).toEqual([
      'Type', 'MessageId', 'Token', 'TopicArn', 'Message', 'SubscribeURL', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL',
    ]);
    expect(doc.SubscribeURL).toBe(`http://127.0.0.1:4566/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${doc.Token}`);

    const listed = (await u.sns.ListSubscriptionsByTopic({ TopicArn: topicArn }, u.ctx)).Subscriptions!;
    expect(listed[0]!.SubscriptionArn).toBe('PendingConfirmation');
    expect((await u.sns.GetTopicAttributes({ TopicArn: topicArn }, u.ctx)).Attributes).toMatchObject({ SubscriptionsPending: '1', SubscriptionsConfirmed: '0' });
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'too early' }, u.ctx);
    expect(u.hops.some((h) => h.messageId === MessageId && h.type === 'sns.deliver')).toBe(false);

    const badToken = await awsErrorOf(() => u.sns.ConfirmSubscription({ TopicArn: topicArn, Token: 'nope' }, u.ctx));
    expect([badToken.code, badToken.message]).toEqual(['InvalidParameter', 'Invalid parameter: Token']);
    const confirmed = await u.sns.ConfirmSubscription({ TopicArn: topicArn, Token: doc.Token }, u.ctx);
    expect(confirmed.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:web:/);
    const attrs = (await u.sns.GetSubscriptionAttributes({ SubscriptionArn: confirmed.SubscriptionArn }, u.ctx)).Attributes!;
    expect(attrs).toMatchObject({ PendingConfirmation: 'false', ConfirmationWasAuthenticated: 'true', Protocol: 'http' });
    expect(JSON.parse(attrs.EffectiveDeliveryPolicy!).healthyRetryPolicy).toMatchObject({ numRetries: 3, minDelayTarget: 20 });
  });

  it('delivers the envelope with the x-amz-sns headers', async () => {
    const u = unitSetup();
    const { topicArn, subscriptionArn } = await confirmedSubscription(u);
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'hello http', Subject: 'Hi' }, u.ctx);
    const req = await waitFor(() => endpoint.requests[0]);
    expect(req.headers).toMatchObject({
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': MessageId,
      'x-amz-sns-topic-arn': topicArn,
      'x-amz-sns-subscription-arn': subscriptionArn,
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
    });
    expect(req.headers).not.toHaveProperty('x-amz-sns-rawdelivery');
    expect(JSON.parse(req.body)).toMatchObject({ Type: 'Notification', MessageId, Subject: 'Hi', Message: 'hello http' });
    const entry = await waitFor(() => u.sns.outbox().find((e) => e.type === 'Notification' && e.status === 'delivered'));
    expect(entry).toMatchObject({ protocol: 'http', endpoint: endpoint.url, attempts: 1, messageId: MessageId });
  });

  it('raw delivery sends the bare message with x-amz-sns-rawdelivery: true', async () => {
    const u = unitSetup();
    const { topicArn } = await confirmedSubscription(u, { RawMessageDelivery: 'true' });
    await u.sns.Publish({ TopicArn: topicArn, Message: 'raw body' }, u.ctx);
    const req = await waitFor(() => endpoint.requests[0]);
    expect(req.body).toBe('raw body');
    expect(req.headers['x-amz-sns-rawdelivery']).toBe('true');
  });

  it('retries 5xx 3 times 20 s apart (the default policy), then gives up to the DLQ', async () => {
    const u = unitSetup();
    const dlq = u.queueArn('http-dlq');
    const { topicArn } = await confirmedSubscription(u, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq }) });
    endpoint.statuses.push(500, 503, 500, 502);
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'flaky' }, u.ctx);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const due = await waitFor(() => u.clock.nextDue(), { what: `retry timer ${attempt}` });
      expect(due - u.clock.now()).toBe(20_000);
      expect(endpoint.requests).toHaveLength(attempt);
      u.clock.advance(20_000);
    }
    const [dead] = await u.arrivals(dlq, 1);
    expect(endpoint.requests).toHaveLength(4);
    expect(endpoint.requests.every((r) => r.headers['x-amz-sns-message-id'] === MessageId)).toBe(true);
    expect(dead!.message.kind === 'sqs' && JSON.parse(dead!.message.body).Message).toBe('flaky');
    expect(u.sns.outbox().find((e) => e.messageId === MessageId)).toMatchObject({ status: 'failed', attempts: 4 });
  });

  it('a 4xx answer is a client-side failure: not retried', async () => {
    const u = unitSetup();
    const { topicArn } = await confirmedSubscription(u);
    endpoint.statuses.push(404);
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'nobody home' }, u.ctx);
    const failed = await waitFor(() => u.hopsOf('sns.deliver.failed')[0]);
    expect(failed).toMatchObject({ messageId: MessageId, reason: 'client-error' });
    expect(u.clock.pendingCount).toBe(0);
  });

  it('a subscription DeliveryPolicy sets the retries', async () => {
    const u = unitSetup();
    const policy = { healthyRetryPolicy: { numRetries: 1, minDelayTarget: 5, maxDelayTarget: 5 } };
    const { topicArn } = await confirmedSubscription(u, { DeliveryPolicy: JSON.stringify(policy) });
    endpoint.statuses.push(500, 500);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'once more' }, u.ctx);
    const due = await waitFor(() => u.clock.nextDue());
    expect(due - u.clock.now()).toBe(5_000);
    u.clock.advance(5_000);
    await waitFor(() => u.hopsOf('sns.deliver.failed')[0]);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('validates the endpoint against the protocol', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const err = await awsErrorOf(() => u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'https', Endpoint: endpoint.url }, u.ctx));
    expect(err.message).toBe('Invalid parameter: Endpoint must match the specified protocol');
  });
});
