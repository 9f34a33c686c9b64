import { createVerify } from 'node:crypto';
import { canonicalString } from '../../emulator/sns/signing';
import { formatSnsJson } from '../../emulator/sns/envelope';
import { waitFor } from '../../harness/wait';
import { bodyOf, unitSetup } from './unit-helpers';

/** The documents subscribers get: SQS/HTTP envelope, Lambda record, raw bodies. */
describe('SNS envelope and Lambda record shapes', () => {
  it('SQS envelope: fields in SNS order, Subject present, attributes as {Type,Value}, Binary base64', async () => {
    const u = unitSetup();
    const topicArn = await u.topic('orders');
    const queue = u.queueArn('q');
    const { SubscriptionArn } = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue }, u.ctx);
    const { MessageId } = await u.sns.Publish(
      {
        TopicArn: topicArn,
        Message: 'hello "world"',
        Subject: 'Greeting',
        MessageAttributes: {
          s: { DataType: 'String', StringValue: 'v' },
          n: { DataType: 'Number', StringValue: '42' },
          b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 255]) },
          a: { DataType: 'String.Array', StringValue: '["x",1]' },
        },
      },
      u.ctx,
    );
    const [got] = await u.arrivals(queue, 1);
    expect(got!.message.kind).toBe('sqs');
    const text = bodyOf(got!);
    const env = JSON.parse(text);
    expect(Object.keys(env)).toEqual([
      'Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp',
      'SignatureVersion', 'Signature', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes',
    ]);
    expect(env).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: 'Greeting',
      Message: 'hello "world"',
      Timestamp: '2026-01-01T12:00:00.123Z',
      SignatureVersion: '1',
      UnsubscribeURL: `http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`,
      MessageAttributes: {
        s: { Type: 'String', Value: 'v' },
        n: { Type: 'Number', Value: '42' },
        b: { Type: 'Binary', Value: Buffer.from([1, 2, 255]).toString('base64') },
        a: { Type: 'String.Array', Value: '["x",1]' },
      },
    });
    expect(env.SigningCertURL).toMatch(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]{32}\.pem$/);
    // SNS's one-field-per-line layout.
    expect(text.startsWith('{\n  "Type" : "Notification",\n  "MessageId" : ')).toBe(true);
    // No SQS message attributes without raw delivery; origin is the topic.
    expect(got!.message.kind === 'sqs' && got!.message.messageAttributes).toBeFalsy();
    expect(got!.origin).toMatchObject({ principal: 'sns.amazonaws.com', sourceArn: topicArn, sourceAccount: '000000000000' });
    expect(got!.origin.correlation?.messageId).toBe(MessageId);
  });

  it('leaves out Subject and MessageAttributes when there are none', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const queue = u.queueArn('q');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue }, u.ctx);
    await u.sns.Publish({ TopicArn: topicArn, Message: 'm' }, u.ctx);
    const env = JSON.parse(bodyOf((await u.arrivals(queue, 1))[0]!));
    expect(env).not.toHaveProperty('Subject');
    expect(env).not.toHaveProperty('MessageAttributes');
  });

  it('signs the canonical string with SHA1withRSA (v1) and SHA256withRSA (v2)', async () => {
    const u = unitSetup();
    const key = u.sns.signingPublicKey();
    for (const version of ['1', '2']) {
      const topicArn = await u.topic(`signed-${version}`, { SignatureVersion: version });
      const queue = u.queueArn(`q${version}`);
      await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue }, u.ctx);
      await u.sns.Publish({ TopicArn: topicArn, Message: 'signed body', Subject: 'S' }, u.ctx);
      const env = JSON.parse(bodyOf((await u.arrivals(queue, 1))[0]!));
      expect(env.SignatureVersion).toBe(version);
      const canonical = `Message\nsigned body\nMessageId\n${env.MessageId}\nSubject\nS\nTimestamp\n${env.Timestamp}\nTopicArn\n${topicArn}\nType\nNotification\n`;
      expect(canonicalString(env)).toBe(canonical);
      const verifier = createVerify(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
      verifier.update(canonical);
      expect(verifier.verify(key, env.Signature, 'base64')).toBe(true);
      const tampered = createVerify(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
      tampered.update(canonical.replace('signed body', 'other body'));
      expect(tampered.verify(key, env.Signature, 'base64')).toBe(false);
    }
  });

  it('Lambda record: EventSource aws:sns, SigningCertUrl/UnsubscribeUrl spelling, Subject null when absent', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const fn = u.functionArn('handler');
    const { SubscriptionArn } = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: fn }, u.ctx);
    const { MessageId } = await u.sns.Publish(
      { TopicArn: topicArn, Message: '{"k":1}', MessageAttributes: { Test: { DataType: 'String', StringValue: 'TestString' } } },
      u.ctx,
    );
    const [got] = await u.arrivals(fn, 1);
    expect(got!.message.kind).toBe('lambda');
    const event = JSON.parse(bodyOf(got!));
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0];
    expect(record).toMatchObject({ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: SubscriptionArn });
    expect(Object.keys(record.Sns)).toEqual([
      'Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'SignatureVersion', 'Signature',
      'SigningCertUrl', 'UnsubscribeUrl', 'MessageAttributes',
    ]);
    expect(record.Sns).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: null,
      Message: '{"k":1}',
      Timestamp: '2026-01-01T12:00:00.123Z',
      SignatureVersion: '1',
      UnsubscribeUrl: `http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`,
      MessageAttributes: { Test: { Type: 'String', Value: 'TestString' } },
    });
    expect(record.Sns.SigningCertUrl).toMatch(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-/);
    expect(record.Sns).not.toHaveProperty('SigningCertURL');
  });

  it('raw delivery: the bare message as body, SNS attributes as SQS attributes', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const queue = u.queueArn('raw');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue, Attributes: { RawMessageDelivery: 'True' } }, u.ctx);
    await u.sns.Publish(
      {
        TopicArn: topicArn,
        Message: 'just this',
        Subject: 'ignored for raw',
        MessageAttributes: {
          s: { DataType: 'String', StringValue: 'v' },
          n: { DataType: 'Number', StringValue: '1.5' },
          b: { DataType: 'Binary', BinaryValue: Buffer.from('bin') },
          arr: { DataType: 'String.Array', StringValue: '["a","b"]' },
        },
      },
      u.ctx,
    );
    const [got] = await u.arrivals(queue, 1);
    if (got!.message.kind !== 'sqs') throw new Error('expected an sqs delivery');
    expect(got!.message.body).toBe('just this');
    expect(got!.message.messageAttributes).toEqual({
      s: { DataType: 'String', StringValue: 'v' },
      n: { DataType: 'Number', StringValue: '1.5' },
      b: { DataType: 'Binary', BinaryValue: Buffer.from('bin') },
      arr: { DataType: 'String.Array', StringValue: '["a","b"]' },
    });
  });

  it('MessageStructure json: each protocol gets its own entry or default; no attributes in the envelope', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const q = u.queueArn('q');
    const fn = u.functionArn('f');
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q }, u.ctx);
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: fn }, u.ctx);
    await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }, u.ctx);
    await u.sns.Publish(
      {
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'for everyone', sqs: 'for queues', email: 7 }),
        MessageAttributes: { s: { DataType: 'String', StringValue: 'v' } },
      },
      u.ctx,
    );
    const env = JSON.parse(bodyOf((await u.arrivals(q, 1))[0]!));
    expect(env.Message).toBe('for queues');
    expect(env).not.toHaveProperty('MessageAttributes');
    expect(JSON.parse(bodyOf((await u.arrivals(fn, 1))[0]!)).Records[0].Sns.Message).toBe('for everyone');
    // A non-string protocol entry is ignored: email gets the default.
    const mail = await waitFor(() => u.sns.outbox().find((e) => e.type === 'Notification'));
    expect(mail.body).toBe('for everyone');
  });

  it('formats nested attributes one per line', () => {
    expect(formatSnsJson({ Type: 'Notification', MessageAttributes: { a: { Type: 'String', Value: 'v' } } })).toBe(
      '{\n  "Type" : "Notification",\n  "MessageAttributes" : {\n    "a" : {"Type":"String","Value":"v"}\n  }\n}',
    );
  });
});
