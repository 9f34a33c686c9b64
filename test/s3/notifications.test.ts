import type { NotificationConfiguration } from '@aws-sdk/client-s3';
import type { DeliveryMessage } from '../../emulator/core/delivery';
import { AwsError } from '../../emulator/core/errors';
import { RESPONSE_META } from '../../emulator/core/service';
import { awsError, ctx, FakeReceiver, mib, setup } from './helpers';

const B = 'events-bucket';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:events-queue';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:events-topic';
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:on-event';

const textOf = (m: DeliveryMessage): string =>
  m.kind === 'sqs' ? m.body : m.kind === 'sns' ? m.message : m.kind === 'lambda' ? m.payload : m.kind === 'event' ? JSON.stringify(m.event) : m.kind === 'logs' ? JSON.stringify(m.events) : m.body.toString('utf8');
const records = (r: FakeReceiver) =>
  r.received.map((d) => JSON.parse(textOf(d.message))).filter((b) => b.Records).map((b) => (expect(b.Records).toHaveLength(1), b.Records[0]));

async function configured(cfg: Record<string, unknown>, versioning?: 'Enabled' | 'Suspended') {
  const env = setup();
  await env.s3.CreateBucket({ Bucket: B }, ctx());
  if (versioning) await env.s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: versioning } }, ctx());
  await env.s3.PutBucketNotificationConfiguration({ Bucket: B, NotificationConfiguration: cfg }, ctx());
  return env;
}

const allToQueue = { QueueConfigurations: [{ Id: 'all', QueueArn: QUEUE, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectTagging:*', 's3:ObjectRestore:*'] }] };

describe('PutBucketNotificationConfiguration', () => {
  test('sends s3:TestEvent to queues and topics (not functions), stores and returns the configuration with Ids', async () => {
    const { s3, sqs, sns, lambda } = await configured({
      QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }],
      TopicConfigurations: [{ Id: 'topic-cfg', TopicArn: TOPIC, Events: ['s3:ObjectRemoved:*'] }],
      LambdaFunctionConfigurations: [{ LambdaFunctionArn: FUNCTION, Events: ['s3:ObjectTagging:*'] }],
      EventBridgeConfiguration: {},
    });
    const test = JSON.parse(textOf(sqs.received[0]!.message));
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: B });
    expect(test.Records).toBeUndefined();
    expect(sns.received[0]!.message).toMatchObject({ kind: 'sns', subject: 'Amazon S3 Notification' });
    expect(sqs.received[0]!.origin).toMatchObject({ principal: 's3.amazonaws.com', sourceArn: `arn:aws:s3:::${B}`, sourceAccount: '000000000000' });
    expect(lambda.received).toEqual([]);
    const got = await s3.GetBucketNotificationConfiguration({ Bucket: B }, ctx());
    expect(got.QueueConfigurations?.[0]?.Id).toMatch(/.+/);
    expect(got.TopicConfigurations?.[0]?.Id).toBe('topic-cfg');
    expect(got.LambdaFunctionConfigurations?.[0]?.LambdaFunctionArn).toBe(FUNCTION);
    expect(got.EventBridgeConfiguration).toEqual({});
  });

  test('a destination that refuses S3 fails the call with per-destination detail, and nothing is stored', async () => {
    const { s3, sqs } = setup();
    await s3.CreateBucket({ Bucket: B }, ctx());
    sqs.refuse.set(QUEUE, 'Permissions on the destination queue do not allow S3 to publish notifications from this bucket');
    const err = await awsError(
      s3.PutBucketNotificationConfiguration({ Bucket: B, NotificationConfiguration: { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }] } }, ctx()),
    );
    expect(err).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
      message: 'Unable to validate the following destination configurations',
      fields: { ArgumentName1: QUEUE, ArgumentValue1: 'Permissions on the destination queue do not allow S3 to publish notifications from this bucket' },
    });
    expect(await s3.GetBucketNotificationConfiguration({ Bucket: B }, ctx())).toEqual({});
    // An ARN of a service nobody serves fails the same way.
    const unknown = await awsError(
      s3.PutBucketNotificationConfiguration(
        { Bucket: B, NotificationConfiguration: { TopicConfigurations: [{ TopicArn: 'arn:aws:kinesis:us-east-1:000000000000:x', Events: ['s3:ObjectCreated:*'] }] } },
        ctx(),
      ),
    );
    expect(unknown.message).toBe('Unable to validate the following destination configurations');
  });

  test("a destination in another Region than the bucket's is refused, as S3 refuses it", async () => {
    const { s3, sqs, sns, lambda } = setup();
    await s3.CreateBucket({ Bucket: B }, ctx());
    const configurations: NotificationConfiguration[] = [
      { QueueConfigurations: [{ QueueArn: QUEUE.replace('us-east-1', 'eu-west-1'), Events: ['s3:ObjectCreated:*'] }] },
      { TopicConfigurations: [{ TopicArn: TOPIC.replace('us-east-1', 'us-west-2'), Events: ['s3:ObjectCreated:*'] }] },
      { LambdaFunctionConfigurations: [{ LambdaFunctionArn: FUNCTION.replace('us-east-1', 'ap-south-1'), Events: ['s3:ObjectCreated:*'] }] },
    ];
    for (const cfg of configurations) {
      const err = await awsError(s3.PutBucketNotificationConfiguration({ Bucket: B, NotificationConfiguration: cfg }, ctx()));
      expect(err).toMatchObject({ code: 'InvalidArgument', status: 400, message: 'The notification destination service region is not valid for the bucket location constraint' });
    }
    expect([sqs.received, sns.received, lambda.received]).toEqual([[], [], []]);
    expect(await s3.GetBucketNotificationConfiguration({ Bucket: B }, ctx())).toEqual({});
  });

  test('x-amz-skip-destination-validation stores without checks or test events', async () => {
    const { s3, sqs } = setup();
    await s3.CreateBucket({ Bucket: B }, ctx());
    sqs.refuse.set(QUEUE, 'no');
    await s3.PutBucketNotificationConfiguration(
      { Bucket: B, SkipDestinationValidation: true, NotificationConfiguration: { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }] } },
      ctx(),
    );
    expect(sqs.received).toEqual([]);
    expect((await s3.GetBucketNotificationConfiguration({ Bucket: B }, ctx())).QueueConfigurations).toHaveLength(1);
  });

  test('invalid configurations are refused by the rules (overlap)', async () => {
    const { s3 } = setup();
    await s3.CreateBucket({ Bucket: B }, ctx());
    const err = await awsError(
      s3.PutBucketNotificationConfiguration(
        { Bucket: B, NotificationConfiguration: { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }, { QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'] }] } },
        ctx(),
      ),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/overlap/);
  });
});

describe('event notifications on writes', () => {
  test('PutObject: one record per message, after the response, with the request ids and form-encoded key', async () => {
    const { s3, sqs, bus } = await configured(allToQueue);
    sqs.received.length = 0;
    const c = ctx({ sourceIp: '192.0.2.7', accessKeyId: 'AKIAEXAMPLE' });
    const put = await s3.PutObject({ Bucket: B, Key: 'red flower.jpg', Body: Buffer.from('12345') }, c);
    // Asynchronous: nothing has arrived when the call returns.
    expect(sqs.received).toEqual([]);
    await bus.idle();
    const [r] = records(sqs);
    expect(r).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AKIAEXAMPLE' },
      requestParameters: { sourceIPAddress: '192.0.2.7' },
      responseElements: { 'x-amz-request-id': c.requestId, 'x-amz-id-2': c.hostId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'all',
        bucket: { name: B, arn: `arn:aws:s3:::${B}` },
        object: { key: 'red+flower.jpg', size: 5, eTag: put.ETag!.replace(/"/g, '') },
      },
    });
    expect(r.s3.object.versionId).toBeUndefined();
    expect(r.s3.object.sequencer).toMatch(/^[0-9A-F]{18}$/);
    expect(r.eventTime).toBe('2026-01-01T00:00:00.000Z');
  });

  test('each kind of write names its event; sequencers grow per key; DeleteObjects emits one per key', async () => {
    const { s3, sqs, bus } = await configured(allToQueue);
    sqs.received.length = 0;
    await s3.PutObject({ Bucket: B, Key: 'a', Body: Buffer.from('1') }, ctx());
    await s3.CopyObject({ Bucket: B, Key: 'b', CopySource: `${B}/a` }, ctx());
    const { UploadId } = await s3.CreateMultipartUpload({ Bucket: B, Key: 'c' }, ctx());
    const part = await s3.UploadPart({ Bucket: B, Key: 'c', UploadId, PartNumber: 1, Body: Buffer.from('p') }, ctx());
    await s3.CompleteMultipartUpload({ Bucket: B, Key: 'c', UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }, ctx());
    await s3.PutObjectTagging({ Bucket: B, Key: 'a', Tagging: { TagSet: [{ Key: 't', Value: 'v' }] } }, ctx());
    await s3.DeleteObjectTagging({ Bucket: B, Key: 'a' }, ctx());
    await s3.DeleteObject({ Bucket: B, Key: 'a' }, ctx());
    await s3.DeleteObjects({ Bucket: B, Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }] } }, ctx());
    await bus.idle();
    const rs = records(sqs);
    expect(rs.map((r) => `${r.eventName} ${r.s3.object.key}`)).toEqual([
      'ObjectCreated:Put a',
      'ObjectCreated:Copy b',
      'ObjectCreated:CompleteMultipartUpload c',
      'ObjectTagging:Put a',
      'ObjectTagging:Delete a',
      'ObjectRemoved:Delete a',
      'ObjectRemoved:Delete b',
      'ObjectRemoved:Delete c',
    ]);
    expect(rs[2].s3.object.eTag).toMatch(/^[0-9a-f]{32}-1$/);
    expect(rs[3].eventVersion).toBe('2.3');
    expect(rs[5].s3.object.size).toBeUndefined();
    expect(rs[3].s3.object.sequencer).toBeUndefined();
    const aSeq = rs.filter((r) => r.s3.object.key === 'a' && r.s3.object.sequencer).map((r) => r.s3.object.sequencer);
    expect(aSeq).toHaveLength(2);
    expect(aSeq[1] > aSeq[0]).toBe(true);
  });

  test('versioned bucket: versionId on records, DeleteMarkerCreated; failed operations emit nothing', async () => {
    const { s3, sqs, bus } = await configured(allToQueue, 'Enabled');
    sqs.received.length = 0;
    const put = await s3.PutObject({ Bucket: B, Key: 'v', Body: Buffer.from('1') }, ctx());
    const del = await s3.DeleteObject({ Bucket: B, Key: 'v' }, ctx());
    await s3.DeleteObject({ Bucket: B, Key: 'v', VersionId: put.VersionId }, ctx());
    await awsError(s3.PutObject({ Bucket: B, Key: 'v', Body: Buffer.from('x'), ContentMD5: 'AAAAAAAAAAAAAAAAAAAAAA==' }, ctx()));
    await awsError(s3.CopyObject({ Bucket: B, Key: 'w', CopySource: `${B}/missing` }, ctx()));
    await bus.idle();
    expect(records(sqs).map((r) => [r.eventName, r.s3.object.versionId])).toEqual([
      ['ObjectCreated:Put', put.VersionId],
      ['ObjectRemoved:DeleteMarkerCreated', del.VersionId],
      ['ObjectRemoved:Delete', put.VersionId],
    ]);
  });

  test('suspended bucket: null versions are not reported as versionId', async () => {
    const { s3, sqs, bus } = await configured(allToQueue, 'Suspended');
    sqs.received.length = 0;
    await s3.PutObject({ Bucket: B, Key: 's', Body: Buffer.from('1') }, ctx());
    await bus.idle();
    expect(records(sqs)[0].s3.object.versionId).toBeUndefined();
  });

  test('filters and fan-out: prefix/suffix rules pick destinations; topic and function messages', async () => {
    const { s3, sqs, sns, lambda, bus } = await configured({
      QueueConfigurations: [{ Id: 'images', QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } } }],
      TopicConfigurations: [{ Id: 'csv', TopicArn: TOPIC, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'data/' }, { Name: 'suffix', Value: '.csv' }] } } }],
      LambdaFunctionConfigurations: [{ Id: 'deletes', LambdaFunctionArn: FUNCTION, Events: ['s3:ObjectRemoved:*'] }],
    });
    sqs.received.length = 0;
    sns.received.length = 0;
    await s3.PutObject({ Bucket: B, Key: 'images/cat.png', Body: Buffer.from('x') }, ctx());
    await s3.PutObject({ Bucket: B, Key: 'data/report.csv', Body: Buffer.from('x') }, ctx());
    await s3.PutObject({ Bucket: B, Key: 'other.txt', Body: Buffer.from('x') }, ctx());
    await s3.DeleteObject({ Bucket: B, Key: 'other.txt' }, ctx());
    await bus.idle();
    expect(records(sqs).map((r) => [r.s3.configurationId, r.s3.object.key])).toEqual([['images', 'images/cat.png']]);
    expect(records(sns).map((r) => r.s3.object.key)).toEqual(['data/report.csv']);
    expect(sns.received[0]!.message).toMatchObject({ kind: 'sns', subject: 'Amazon S3 Notification' });
    expect(records(lambda).map((r) => [r.eventName, r.s3.configurationId])).toEqual([['ObjectRemoved:Delete', 'deletes']]);
    expect(lambda.received[0]!.message.kind).toBe('lambda');
  });

  test('trace hops: s3.write and notification.emitted carry bucket, key, sequencer, request id, destination', async () => {
    const { s3, hops, bus } = await configured(allToQueue);
    const c = ctx();
    await s3.PutObject({ Bucket: B, Key: 'traced', Body: Buffer.from('x') }, c);
    await bus.idle();
    const write = hops.find((h) => h.type === 's3.write');
    const emitted = hops.find((h) => h.type === 'notification.emitted');
    expect(write).toMatchObject({ bucket: B, key: 'traced', requestId: c.requestId, eventName: 'ObjectCreated:Put' });
    expect(emitted).toMatchObject({ bucket: B, key: 'traced', requestId: c.requestId, destination: QUEUE, sequencer: write!.sequencer });
  });

  test('RestoreObject: ObjectRestore:Post now, Completed with glacierEventData after the delay on the clock', async () => {
    const { s3, sqs, bus, clock } = await configured(allToQueue);
    await s3.PutObject({ Bucket: B, Key: 'cold', Body: Buffer.from('archived'), StorageClass: 'GLACIER' }, ctx());
    await bus.idle();
    sqs.received.length = 0;
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'cold' }, ctx()))).code).toBe('InvalidObjectState');
    const out = await s3.RestoreObject({ Bucket: B, Key: 'cold', RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Expedited' } } }, ctx());
    expect((out as any)[RESPONSE_META]).toEqual({ status: 202 });
    expect((await s3.HeadObject({ Bucket: B, Key: 'cold' }, ctx())).Restore).toBe('ongoing-request="true"');
    expect((await awsError(s3.RestoreObject({ Bucket: B, Key: 'cold', RestoreRequest: { Days: 2 } }, ctx()))).code).toBe('RestoreAlreadyInProgress');
    await bus.idle();
    expect(records(sqs).map((r) => r.eventName)).toEqual(['ObjectRestore:Post']);

    clock.advance(1_000);
    await bus.idle();
    const completed = records(sqs)[1];
    expect(completed.eventName).toBe('ObjectRestore:Completed');
    expect(completed.glacierEventData.restoreEventData).toEqual({
      lifecycleRestorationExpiryTime: '2026-01-04T00:00:00.000Z',
      lifecycleRestoreStorageClass: 'GLACIER',
    });
    expect(String((await s3.GetObject({ Bucket: B, Key: 'cold' }, ctx())).Body)).toBe('archived');
    expect((await s3.HeadObject({ Bucket: B, Key: 'cold' }, ctx())).Restore).toMatch(/^ongoing-request="false", expiry-date="Sun, 04 Jan 2026 00:00:00 GMT"$/);
    // Standard objects cannot be restored.
    await s3.PutObject({ Bucket: B, Key: 'hot', Body: Buffer.from('x') }, ctx());
    expect(await awsError(s3.RestoreObject({ Bucket: B, Key: 'hot', RestoreRequest: { Days: 1 } }, ctx()))).toMatchObject({ code: 'InvalidObjectState', status: 403 });
  });

  test('EventBridge: sent to the default bus only when a receiver for events is registered', async () => {
    const { s3, bus } = await configured({ EventBridgeConfiguration: {} });
    await s3.PutObject({ Bucket: B, Key: 'no-bus', Body: Buffer.from('x') }, ctx());
    await bus.idle();
    const events: DeliveryMessage[] = [];
    bus.register('events', {
      check: (arn) => {
        if (!arn.endsWith(':event-bus/default')) throw new AwsError('ResourceNotFoundException', 'no bus', 400);
      },
      receive: async (_arn, m) => {
        events.push(m);
      },
    });
    const c = ctx({ sourceIp: '198.51.100.1' });
    await s3.PutObject({ Bucket: B, Key: 'dir/with space', Body: Buffer.from('12') }, c);
    await s3.DeleteObject({ Bucket: B, Key: 'dir/with space' }, ctx());
    await bus.idle();
    expect(events).toHaveLength(2);
    const created = (events[0] as { kind: 'event'; event: any }).event;
    expect(created).toMatchObject({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-01-01T00:00:00Z',
      resources: [`arn:aws:s3:::${B}`],
      detail: { version: '0', bucket: { name: B }, object: { size: 2 }, 'request-id': c.requestId, 'source-ip-address': '198.51.100.1', reason: 'PutObject' },
    });
    const deleted = (events[1] as { kind: 'event'; event: any }).event;
    expect(deleted['detail-type']).toBe('Object Deleted');
    expect(deleted.detail['deletion-type']).toBe('Permanently Deleted');
    expect(deleted.detail.object.size).toBeUndefined();
  });

  test('a 5 MiB multipart part does not disturb the event (size is the whole object)', async () => {
    const { s3, sqs, bus } = await configured(allToQueue);
    sqs.received.length = 0;
    const { UploadId } = await s3.CreateMultipartUpload({ Bucket: B, Key: 'mp' }, ctx());
    const a = await s3.UploadPart({ Bucket: B, Key: 'mp', UploadId, PartNumber: 1, Body: Buffer.alloc(mib(5)) }, ctx());
    const b = await s3.UploadPart({ Bucket: B, Key: 'mp', UploadId, PartNumber: 2, Body: Buffer.alloc(3) }, ctx());
    await s3.CompleteMultipartUpload({ Bucket: B, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ ETag: a.ETag, PartNumber: 1 }, { ETag: b.ETag, PartNumber: 2 }] } }, ctx());
    await bus.idle();
    expect(records(sqs).map((r) => r.s3.object.size)).toEqual([mib(5) + 3]);
  });
});
