import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { startS3, type S3Under } from './emulator';

/** S3 → SQS through the emulator's own SQS service and delivery bus. */
let emu: S3Under;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  emu = await startS3();
  s3 = emu.client();
  // SQS is served by the emulator itself (the S3 endpoint may be a separate listener while S3 is unmounted).
  sqs = new SQSClient({ endpoint: emu.emulatorEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await emu?.stop();
});

test('an upload notifies a real queue: test event first, then the ObjectCreated record', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 's3-events' }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const QueueArn = Attributes!.QueueArn!;
  await s3.send(new CreateBucketCommand({ Bucket: 'e2e-bucket' }));
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'e2e-bucket', NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: ['s3:ObjectCreated:*'] }] } }));
  await s3.send(new PutObjectCommand({ Bucket: 'e2e-bucket', Key: 'incoming/data 1.json', Body: '{"a":1}' }));

  const bodies: any[] = [];
  await waitFor(async () => {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    for (const m of r.Messages ?? []) bodies.push(JSON.parse(m.Body!));
    return bodies.length >= 2;
  }, { what: 'two messages in the queue', describe: () => JSON.stringify(bodies) });
  expect(bodies[0]).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'e2e-bucket' });
  expect(bodies[1].Records[0]).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: 'incoming/data+1.json', size: 7 } } });
});
