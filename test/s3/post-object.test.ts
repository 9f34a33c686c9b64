import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();

function form(fields: Record<string, string>, file: string, filename = 'upload.csv'): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  f.append('file', new Blob([file], { type: 'text/csv' }), filename);
  return f;
}

describe('POST Object (form uploads)', () => {
  it('stores the file under the form key and emits ObjectCreated:Post', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    const sqs = new SQSClient(clientConfig(emulator()));
    await s3.send(new CreateBucketCommand({ Bucket: 'post-bucket' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'post-events' }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'post-bucket', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: arn, Events: ['s3:ObjectCreated:Post'] }] } }));

    const res = await fetch(`${emulator().endpoint}/post-bucket`, {
      method: 'POST',
      body: form({ key: 'data/${filename}', 'Content-Type': 'text/csv', 'x-amz-meta-origin': 'browser' }, 'a,b\n1,2\n', 'orders.csv'),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get('x-amz-server-side-encryption')).toBe('AES256');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'post-bucket', Key: 'data/orders.csv' }));
    expect(head).toMatchObject({ ContentType: 'text/csv', Metadata: { origin: 'browser' }, ContentLength: 8 });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'post-bucket', Key: 'data/orders.csv' }))).Body!.transformToString()).toBe('a,b\n1,2\n');

    const events: any[] = [];
    await waitFor(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (const m of r.Messages ?? []) events.push(JSON.parse(m.Body!));
      return events.some((e) => e.Records);
    });
    expect(events.find((e) => e.Records).Records[0]).toMatchObject({ eventName: 'ObjectCreated:Post', s3: { object: { key: 'data/orders.csv', size: 8 } } });
  });

  it('answers 201 with a PostResponse when asked, and a clear 400 without a key', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'post-bucket-2' }));
    const created = await fetch(`${emulator().endpoint}/post-bucket-2`, { method: 'POST', body: form({ key: 'k.txt', success_action_status: '201' }, 'x') });
    expect(created.status).toBe(201);
    expect(await created.text()).toContain('<Key>k.txt</Key>');
    const noKey = await fetch(`${emulator().endpoint}/post-bucket-2`, { method: 'POST', body: form({}, 'x') });
    expect(noKey.status).toBe(400);
    expect(await noKey.text()).toContain('<Code>InvalidArgument</Code>');
  });
});
